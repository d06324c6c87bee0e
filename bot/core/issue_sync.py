"""Two-way state sync between one case and the error-tracking issues linked to it.

Pure decisions: given a case's status, its issues' states and one action,
`sync` returns the states afterwards and the changes sync itself makes (the
action's own change is not repeated there). The edge applies those changes
with an error-tracking actor and must NOT feed a case status change that sync
made back in as if a person had made it: a person's case change moves every
issue, while sync's case change (say, reopening after one issue regressed)
must leave the other issues as they are. Issue changes sync makes are safe to
replay (`tests/core/test_issue_sync.py` checks both).

The rules, where Datadog's tables are the source and casebot's own choices
are marked (*):

Groups. FOR REVIEW ~ Open, REVIEWED ~ In Progress, RESOLVED / IGNORED /
EXCLUDED ~ Closed. The default state of the Closed group is RESOLVED.

Case status changed by a person. Every issue moves to the default state of
the case's new group; (*) an issue already in that group keeps its state, so
closing a case leaves IGNORED and EXCLUDED issues as they are.

Issue state changed. The other issues never change. (*) The case takes the
least advanced group among its issues (Open < In Progress < Closed): it is
Open while any issue is FOR REVIEW, In Progress while any is REVIEWED, and
closes when its last open issue is resolved, ignored or excluded. With one
issue this is the single-issue mapping; with many it gives both of Datadog's
rows (a regressed issue reopens a closed case; resolving one of several
FOR REVIEW issues leaves the case Open).

Issue linked. The case keeps its status and the other issues their states.
The new issue keeps its state unless it is behind the case: linked to a
Closed case, an issue that is not closed becomes RESOLVED (Datadog); (*)
linked to an In Progress case, a FOR REVIEW issue becomes REVIEWED.

Together these keep one invariant: a case is never further along than any
of its issues (so a Closed case holds only closed issues, and a case with a
FOR REVIEW issue is Open).

Issue assigned. A person assigning a FOR REVIEW issue makes it REVIEWED
(Datadog; `bot.core.issues.on_assignment`), which is an issue state change by
the rule above. (*) An assignee that sync carries — the case's, given to its
issues, or one issue's, given to the case and the other issues — changes no
state: assigning one issue is not a review of the others.

Issue unlinked. (*) Nothing changes, on either side: removing a link is not a
statement about anyone's state.

Issue moved to another case. Unlinked from the first, linked to the second.

Case created from an issue. (*) The issue becomes REVIEWED (Datadog) and so
the new case starts In Progress, mirroring it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.cases import CaseStatus
from bot.core.issues import IssueState

_GROUP = {
    IssueState.FOR_REVIEW: CaseStatus.OPEN,
    IssueState.REVIEWED: CaseStatus.IN_PROGRESS,
    IssueState.RESOLVED: CaseStatus.CLOSED,
    IssueState.IGNORED: CaseStatus.CLOSED,
    IssueState.EXCLUDED: CaseStatus.CLOSED,
}
_DEFAULT = {
    CaseStatus.OPEN: IssueState.FOR_REVIEW,
    CaseStatus.IN_PROGRESS: IssueState.REVIEWED,
    CaseStatus.CLOSED: IssueState.RESOLVED,
}
_ADVANCE = {CaseStatus.OPEN: 0, CaseStatus.IN_PROGRESS: 1, CaseStatus.CLOSED: 2}


def status_group(state: IssueState) -> CaseStatus:
    """The case status group an issue state belongs to."""
    return _GROUP[state]


def default_issue_state(status: CaseStatus) -> IssueState:
    """The issue state a case status maps to."""
    return _DEFAULT[status]


def least_advanced(states: Mapping[str, IssueState]) -> CaseStatus | None:
    """The status a case takes from its issues; None for a case with none."""
    groups = [_GROUP[state] for state in states.values()]
    return min(groups, key=_ADVANCE.__getitem__) if groups else None


class SyncError(ValueError):
    """An action that does not fit the case: an unknown or already linked issue."""


@dataclass(frozen=True, slots=True)
class LinkedCase:
    """A case's status and its linked issues' states (issue id -> state, link order)."""

    status: CaseStatus
    issues: Mapping[str, IssueState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "issues", dict(self.issues))


@dataclass(frozen=True, slots=True)
class CaseStatusChanged:
    """A person (or the monitor pipeline) set the case's status."""

    status: CaseStatus


@dataclass(frozen=True, slots=True)
class IssueStateChanged:
    """A person, a regression or auto-resolution set one linked issue's state."""

    issue_id: str
    state: IssueState


@dataclass(frozen=True, slots=True)
class IssueLinked:
    """An issue in `state`, not linked to any case, was attached to this case."""

    issue_id: str
    state: IssueState


@dataclass(frozen=True, slots=True)
class IssueUnlinked:
    issue_id: str


Action = CaseStatusChanged | IssueStateChanged | IssueLinked | IssueUnlinked


@dataclass(frozen=True, slots=True)
class IssueChange:
    issue_id: str
    before: IssueState
    after: IssueState


@dataclass(frozen=True, slots=True)
class CaseChange:
    before: CaseStatus
    after: CaseStatus


@dataclass(frozen=True, slots=True)
class SyncDecision:
    """The case after an action, and the changes sync makes on top of the action itself."""

    before: LinkedCase
    after: LinkedCase
    case_change: CaseChange | None = None
    issue_changes: tuple[IssueChange, ...] = ()

    @property
    def case_status(self) -> CaseStatus:
        return self.after.status

    @property
    def issue_states(self) -> Mapping[str, IssueState]:
        return self.after.issues

    @property
    def changes_anything(self) -> bool:
        return self.case_change is not None or bool(self.issue_changes)


def sync(case: LinkedCase, action: Action) -> SyncDecision:
    """Apply `action` to `case` and decide what else changes. Raises SyncError."""
    if isinstance(action, CaseStatusChanged):
        return _case_status_changed(case, action.status)
    if isinstance(action, IssueStateChanged):
        return _issue_state_changed(case, action.issue_id, action.state)
    if isinstance(action, IssueLinked):
        return _issue_linked(case, action.issue_id, action.state)
    if isinstance(action, IssueUnlinked):
        _require_linked(case, action.issue_id)
        issues = {i: s for i, s in case.issues.items() if i != action.issue_id}
        return SyncDecision(case, LinkedCase(case.status, issues))
    raise TypeError(f"not a sync action: {action!r}")


@dataclass(frozen=True, slots=True)
class Move:
    """An issue moved from one case to another: what happens on each side."""

    source: SyncDecision
    target: SyncDecision


def move_issue(source: LinkedCase, target: LinkedCase, issue_id: str) -> Move:
    """Unlink `issue_id` from `source` and link it, in its current state, to `target`."""
    _require_linked(source, issue_id)
    state = source.issues[issue_id]
    return Move(sync(source, IssueUnlinked(issue_id)), sync(target, IssueLinked(issue_id, state)))


@dataclass(frozen=True, slots=True)
class NewCase:
    """A case created from one issue: its starting status and what happens to the issue."""

    after: LinkedCase
    issue_change: IssueChange | None

    @property
    def status(self) -> CaseStatus:
        return self.after.status


def case_from_issue(issue_id: str, state: IssueState) -> NewCase:
    """Creating a case from an issue marks the issue REVIEWED; the case starts In Progress."""
    change = None
    if state is not IssueState.REVIEWED:
        change = IssueChange(issue_id, state, IssueState.REVIEWED)
    return NewCase(LinkedCase(CaseStatus.IN_PROGRESS, {issue_id: IssueState.REVIEWED}), change)


def _case_status_changed(case: LinkedCase, status: CaseStatus) -> SyncDecision:
    if status == case.status:
        return SyncDecision(case, case)
    target = _DEFAULT[status]
    changes = tuple(
        IssueChange(issue_id, state, target)
        for issue_id, state in case.issues.items()
        if _GROUP[state] != status
    )
    issues = dict(case.issues)
    issues.update({change.issue_id: change.after for change in changes})
    return SyncDecision(case, LinkedCase(status, issues), None, changes)


def _issue_state_changed(case: LinkedCase, issue_id: str, state: IssueState) -> SyncDecision:
    _require_linked(case, issue_id)
    if case.issues[issue_id] == state:
        return SyncDecision(case, case)
    issues = {**case.issues, issue_id: state}
    status = least_advanced(issues) or case.status
    change = None if status == case.status else CaseChange(case.status, status)
    return SyncDecision(case, LinkedCase(status, issues), change)


def _issue_linked(case: LinkedCase, issue_id: str, state: IssueState) -> SyncDecision:
    if issue_id in case.issues:
        raise SyncError(f"issue {issue_id} is already linked to this case")
    changes: tuple[IssueChange, ...] = ()
    if _ADVANCE[_GROUP[state]] < _ADVANCE[case.status]:
        caught_up = _DEFAULT[case.status]
        changes = (IssueChange(issue_id, state, caught_up),)
        state = caught_up
    after = LinkedCase(case.status, {**case.issues, issue_id: state})
    return SyncDecision(case, after, None, changes)


def _require_linked(case: LinkedCase, issue_id: str) -> None:
    if issue_id not in case.issues:
        raise SyncError(f"issue {issue_id} is not linked to this case")
