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


def default_project_hint(example_key: str | None) -> str:
    """A command that makes a project the error-tracking default: an existing project's
    (`example_key`), or, with none, a new one's."""
    if example_key is None:
        return (
            "add one that is with `casebot project add --name Triage --key TRIAGE "
            "--handle triage --error-tracking-default`"
        )
    return f"mark one with `casebot issues default-project {example_key}`"


class NoProjectForCase(InvalidIssueChange):
    """No rule matches, no project was named and no project is the error-tracking default.

    `example_key` is a project that exists (for the command the message suggests)."""

    def __init__(self, example_key: str | None = None) -> None:
        super().__init__(
            "project",
            "no automation rule matches this issue, no project was named and no project is "
            f"the error-tracking default; name a project or {default_project_hint(example_key)}",
        )
        self.example_key = example_key


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
