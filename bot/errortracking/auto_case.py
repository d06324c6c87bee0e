"""The case a comment or an assignment gives an issue that has none.

Datadog: "In Error Tracking, cases are automatically created when an issue is
commented on or assigned." Such a case is made exactly as a person's "create a
case from this issue" makes one (`Linker.create_case`): in the project of the
first matching rule, else the error-tracking default; the issue becomes
REVIEWED and the case starts In Progress. A closed issue (RESOLVED, IGNORED,
EXCLUDED) gets no case this way: that would reopen it. When no project can be chosen the
comment or assignment still stands and the issue stays without a case;
`CaseOutcome.not_created` says why, for the caller to pass on.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.cases import Actor, Case
from bot.core.issues import Activity, Issue
from bot.errortracking.errors import NoProjectForCase, default_project_hint
from bot.errortracking.linking import Linker

NO_PROJECT = (
    "no automation rule matches this issue and no project is the error-tracking default, "
    "so no case was created; {hint}"
)
CLOSED_ISSUE = (
    "the issue is {state}: a comment or an assignment does not reopen a closed issue, so no "
    "case was created; POST /api/v2/error-tracking/issues/{{id}}/case makes one"
)
UNCHANGED = "nothing changed (the issue already has this assignee), so no case was created"


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """The issue's case after a comment or an assignment, and whether that created it.

    `not_created` says why an issue that still has no case did not get one.
    """

    case: Case | None
    created: bool = False
    not_created: str | None = None


@dataclass(frozen=True, slots=True)
class Commented:
    """A comment on an issue: its activity entry, and the issue's case."""

    entry: Activity
    case: CaseOutcome


@dataclass(frozen=True, slots=True)
class Assigned:
    """An assigned issue as it now is, and its case."""

    issue: Issue
    case: CaseOutcome


def case_for(linker: Linker, issue: Issue, *, actor: Actor) -> CaseOutcome:
    """The issue's case; for an issue without one, a new case if a project can be chosen."""
    if issue.case_id is not None:
        return CaseOutcome(linker.cases.get(issue.case_id))
    if issue.state.is_closed:
        # Making the case would move the issue to REVIEWED (and restart an EXCLUDED
        # issue's collection): a note on a closed issue is not a request for work.
        return CaseOutcome(None, not_created=CLOSED_ISSUE.format(state=issue.state.label))
    try:
        project = linker.case_project(issue, None)
    except NoProjectForCase as refusal:
        hint = default_project_hint(refusal.example_key)
        return CaseOutcome(None, not_created=NO_PROJECT.format(hint=hint))
    return CaseOutcome(linker.create_case(issue, actor=actor, project=project), created=True)
