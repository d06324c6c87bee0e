"""Refusals of the error-tracking services.

They extend the case service's error tree, so every edge that already
translates `CaseServiceError` (the API's 400/404, the CLI's messages) handles
them too; `IssueNotFound` and `RuleNotFound` are the only new "not found"s.
"""

from __future__ import annotations

import uuid

from bot.core.issues import Issue
from bot.services.errors import CaseServiceError, InvalidChange

IssueRef = uuid.UUID | str


class IssueNotFound(CaseServiceError):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no error-tracking issue {ref}")
        self.ref = ref


class InvalidIssueChange(InvalidChange):
    pass


class NoProjectForCase(InvalidIssueChange):
    """No rule matches, no project was named and no project is the error-tracking default."""

    def __init__(self) -> None:
        super().__init__(
            "project",
            "no automation rule matches this issue, no project was named and no project is "
            "the error-tracking default; name a project or mark one with "
            "`casebot issues default-project <KEY>`",
        )


def parse_issue_id(ref: IssueRef) -> uuid.UUID:
    """The issue id a reference names; an unreadable one is an issue that does not exist."""
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(ref.strip())
    except ValueError:
        raise IssueNotFound(ref) from None


def found(issue: Issue | None, ref: IssueRef) -> Issue:
    """`issue`, or `IssueNotFound` for `ref` when there is none."""
    if issue is None:
        raise IssueNotFound(ref)
    return issue
