"""The issue service: every change to an error-tracking issue goes through here.

`IssueService(conn, now=..., listeners=...)` works inside the caller's
transaction, like `CaseService`. A change to a linked issue is carried over
to its case in the same transaction, as bot/core/issue_sync.py decides, and
recorded on the case timeline. Case changes that sync makes carry the
`error_tracking` actor source, which the case listener (`IssueCaseSync`)
ignores: no echo. Linking to cases is `bot.errortracking.linking`; recording
occurrences is `bot.errortracking.recording`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection

from bot.core.cases import Actor, Case, Invalid, Project, validate_comment
from bot.core.issue_sync import IssueStateChanged, sync
from bot.core.issues import Activity, ActivityKind, Issue, IssueState, on_assignment
from bot.core.query import And, Node, Term, compile_node
from bot.db import case_store
from bot.db.issue_store import IssueStore
from bot.errortracking.auto_case import (
    UNCHANGED,
    Assigned,
    CaseOutcome,
    Commented,
    case_for,
)
from bot.errortracking.automation import document_of
from bot.errortracking.case_entries import (
    CaseEntryKind,
    issue_data,
    record_on_case,
    sync_actor,
)
from bot.errortracking.errors import InvalidIssueChange, IssueRef, found, parse_issue_id
from bot.errortracking.intake import ErrorEvent, Recorded
from bot.errortracking.issue_listeners import tell_issue_changed, tell_issue_listeners
from bot.errortracking.linking import Linker
from bot.errortracking.recording import record_occurrence
from bot.services.cases import CaseListener, CaseService

SEARCH_LIMIT = 100
ORDERS = ("TOTAL_COUNT", "FIRST_SEEN", "LAST_SEEN")


class IssueService:
    """Issue operations on one connection, inside the caller's transaction, at time `now`."""

    def __init__(
        self,
        conn: Connection,
        *,
        now: datetime,
        listeners: Iterable[CaseListener] = (),
    ) -> None:
        self.conn = conn
        self.now = now
        self.store = IssueStore(conn, now=now)
        self.cases = CaseService(conn, now=now, listeners=listeners)
        self.linker = Linker(self.store, self.cases)

    # --- Reading ---------------------------------------------------------------

    def find(self, ref: IssueRef) -> Issue | None:
        return self.store.find(parse_issue_id(ref))

    def get(self, ref: IssueRef, *, for_update: bool = False) -> Issue:
        """Like `find`, but raises `IssueNotFound`; `for_update` locks the row."""
        return found(self.store.find(parse_issue_id(ref), for_update=for_update), ref)

    def activity(self, ref: IssueRef) -> list[Activity]:
        return self.store.activity(self.get(ref).id)

    def linked(self, case_ref: uuid.UUID | str | Case) -> list[Issue]:
        """The issues linked to a case (by id, key or `Case`), oldest first."""
        case = case_ref if isinstance(case_ref, Case) else self.cases.get(case_ref)
        return self.store.linked(case.id)

    def search(
        self,
        *,
        query: Node | None = None,
        states: Sequence[IssueState] = (),
        assignee_ids: Sequence[uuid.UUID] = (),
        seen_from: datetime | None = None,
        seen_to: datetime | None = None,
        order_by: str = "TOTAL_COUNT",
        limit: int = SEARCH_LIMIT,
    ) -> list[Issue]:
        """Issues seen in the time range that match everything given, best first."""
        found = self.store.search(
            states=[s.value for s in states],
            assignee_ids=assignee_ids,
            seen_from=seen_from,
            seen_to=seen_to,
            equal=_narrowing(query) if query is not None else (),
        )
        if query is not None:
            predicate = compile_node(query)
            found = [issue for issue in found if predicate(document_of(issue))]
        found.sort(key=_sort_key(order_by))
        return found[:limit]

    # --- Recording occurrences ----------------------------------------------------

    def record(self, event: ErrorEvent, *, actor: Actor) -> Recorded:
        """Record one occurrence: upsert its issue, regress it, route and auto-create if new.

        Listeners that are also `IssueListener`s hear of it (bot/errortracking/issue_listeners.py).
        """
        recorded = record_occurrence(self, event, actor=actor)
        tell_issue_listeners(self.cases.listeners, self.conn, recorded, now=self.now)
        return recorded

    # --- Changing --------------------------------------------------------------

    def set_state(self, ref: IssueRef, state: IssueState | str, *, actor: Actor) -> Issue:
        """Set the state; a linked case follows (bot/core/issue_sync.py)."""
        new = _parse_state(state)
        return self.change_state(self.lock(ref), new, actor=actor)

    def change_state(
        self,
        issue: Issue,
        state: IssueState,
        *,
        actor: Actor,
        regression: bool = False,
        reason: str | None = None,
    ) -> Issue:
        """Move a loaded (locked) issue to `state` and carry the change to its case.

        `reason` names an automatic change (`assigned`) in the activity data. A
        change to an issue without a case is told to the issue listeners.
        """
        if issue.state is state:
            return issue
        extra: dict[str, object] = {"regression": True} if regression else {}
        if reason is not None:
            extra["reason"] = reason
        if issue.case_id is None:
            # No case timeline to carry the news: tell the issue listeners (its Slack message).
            changed = self.store.set_state(issue, state, actor, **extra)
            tell_issue_changed(self.cases.listeners, self.conn, issue.id, now=self.now)
            return changed
        case = self.cases.get(issue.case_id)
        before = self.store.linked_case(case.status, case.id)
        decision = sync(before, IssueStateChanged(str(issue.id), state))
        changed = self.store.set_state(issue, state, actor, **extra)
        body = f"Issue {issue.title!r}: {issue.state.label} -> {state.label}"
        data = issue_data(issue, **{"from": issue.state.value, "to": state.value, **extra})
        record_on_case(self.cases, case.id, CaseEntryKind.ISSUE_STATE, actor, body, data)
        if decision.case_change is not None:
            self.cases.set_status(case.id, decision.case_change.after, actor=sync_actor(actor))
        self.linker.apply_issue_changes(decision.issue_changes, case, actor)
        return changed

    def assign(self, ref: IssueRef, user_id: uuid.UUID, *, actor: Actor) -> Assigned:
        """Assign the issue; a linked case and its other issues take the same assignee.

        A FOR REVIEW issue becomes REVIEWED (`on_assignment`) and its case
        follows by the sync rules. The other issues of the case take the
        assignee but keep their states: assigning one issue is not a review of
        the others (nor is assigning the case a review of its issues). An issue
        without a case gets one (bot/errortracking/auto_case.py), which takes
        the assignee and makes the issue REVIEWED.
        """
        user = self.cases.get_user(user_id)
        issue = self.lock(ref)
        if issue.assignee_id == user.id:
            case = self.cases.get(issue.case_id) if issue.case_id is not None else None
            return Assigned(issue, CaseOutcome(case, not_created=None if case else UNCHANGED))
        issue = self._set_assignee(issue, user.id, user.name, actor)
        outcome = self._case_for(issue, actor)
        if not outcome.created:
            issue = self.change_state(
                issue, on_assignment(issue.state), actor=actor, reason="assigned"
            )
        return Assigned(self.get(issue.id), outcome)

    def unassign(self, ref: IssueRef, *, actor: Actor) -> Issue:
        return self._set_assignee(self.lock(ref), None, "", actor)

    def comment(self, ref: IssueRef, text: str, *, actor: Actor) -> Commented:
        """Comment on the issue; it is also written on its case's timeline.

        An issue without a case gets one first (bot/errortracking/auto_case.py).
        """
        body = validate_comment(text)
        if isinstance(body, Invalid):
            raise InvalidIssueChange(body.field, body.message)
        issue = self.lock(ref)
        entry = self.store.record(issue.id, ActivityKind.COMMENT, actor, body)
        outcome = self._case_for(issue, actor)
        if outcome.case is not None:
            record_on_case(
                self.cases,
                outcome.case.id,
                CaseEntryKind.ISSUE_COMMENT,
                actor,
                body,
                issue_data(issue, issue_activity_id=entry.id),
            )
        return Commented(entry, outcome)

    # --- Cases -----------------------------------------------------------------

    def create_case(
        self,
        ref: IssueRef,
        *,
        actor: Actor,
        project: uuid.UUID | str | Project | None = None,
        title: str | None = None,
        priority: str | None = None,
    ) -> Case:
        """A new case for the issue, in the project the rules, `project` or the default pick.

        A `Project` (rather than a reference) is where a person chose to put the case:
        it is used as it is, whatever the rules say (the console's Add case).
        """
        issue = self.lock(ref)
        case = self.linker.create_case(
            issue, actor=actor, project=project, title=title, priority=priority
        )
        tell_issue_changed(self.cases.listeners, self.conn, issue.id, now=self.now)
        return case

    def link(self, ref: IssueRef, case_ref: uuid.UUID | str, *, actor: Actor) -> Case:
        """Link the issue to an existing case (moving it from another case, if linked)."""
        target = self.cases.get(case_ref)
        return self.linker.link(self.lock(ref, target.id), target.id, actor=actor)

    def unlink(self, ref: IssueRef, *, actor: Actor) -> Issue:
        return self.linker.unlink(self.lock(ref), actor=actor)

    # --- Locking ---------------------------------------------------------------

    def lock(self, ref: IssueRef, *cases: uuid.UUID) -> Issue:
        """The issue, row-locked after its case's row (and those of `cases`).

        One order everywhere — case rows (by id), then issue rows — as
        `CaseService` takes them before its listener reaches the issues; so a
        case change racing an issue change waits instead of deadlocking.
        """
        issue = self.get(ref)
        while True:
            wanted = sorted({c for c in (issue.case_id, *cases) if c is not None})
            for case_id in wanted:
                case_store.lock(self.conn, case_id)
            locked = self.get(issue.id, for_update=True)
            if locked.case_id is None or locked.case_id in wanted:
                return locked
            issue = locked  # linked elsewhere meanwhile: take that case's lock too

    # --- Internals -------------------------------------------------------------

    def _case_for(self, issue: Issue, actor: Actor) -> CaseOutcome:
        outcome = case_for(self.linker, issue, actor=actor)
        if outcome.created:
            tell_issue_changed(self.cases.listeners, self.conn, issue.id, now=self.now)
        return outcome

    def _set_assignee(
        self, issue: Issue, user_id: uuid.UUID | None, name: str, actor: Actor
    ) -> Issue:
        if issue.assignee_id == user_id:
            return issue
        changed = self.store.set_assignee(issue, user_id, name, actor)
        if issue.case_id is None:
            return changed
        body = f"Issue {issue.title!r}: " + (f"assigned to {name}" if user_id else "unassigned")
        data = issue_data(issue, to=str(user_id) if user_id else None)
        record_on_case(self.cases, issue.case_id, CaseEntryKind.ISSUE_ASSIGNEE, actor, body, data)
        if user_id is None:
            self.cases.unassign(issue.case_id, actor=sync_actor(actor))
        else:
            self.cases.assign(issue.case_id, user_id, actor=sync_actor(actor))
        self.linker.align_assignees(issue.case_id, user_id, name, actor, skip=issue.id)
        return changed


def _narrowing(node: Node) -> list[tuple[str, str]]:
    """What lets the database skip issues a top-level `key:value` term rules out: pairs of
    (`state`, API name) and (`service` | `team` | `env`, lower-cased value).

    Only a superset is taken here (exact ASCII values, compared lower-cased as
    the query language compares tag values); the compiled query still decides.
    """
    pairs: list[tuple[str, str]] = []
    operands = node.operands if isinstance(node, And) else (node,)
    for term in operands:
        if not isinstance(term, Term) or term.key is None or term.is_pattern or term.attribute:
            continue
        key, value = term.key.lower(), term.value
        if key == "state":
            try:
                pairs.append(("state", IssueState.parse(value).value))
            except ValueError:
                continue
        elif key in ("service", "team", "env") and value.isascii():
            pairs.append((key, value.lower()))
    return pairs


def _parse_state(state: IssueState | str) -> IssueState:
    if isinstance(state, IssueState):
        return state
    try:
        return IssueState.parse(state)
    except ValueError as error:
        raise InvalidIssueChange("state", str(error)) from None


def _sort_key(order_by: str) -> Callable[[Issue], tuple[float | int | str, ...]]:
    if order_by == "FIRST_SEEN":
        return lambda issue: (-issue.first_seen.timestamp(), str(issue.id))
    if order_by == "LAST_SEEN":
        return lambda issue: (-issue.last_seen.timestamp(), str(issue.id))
    return lambda issue: (-issue.occurrences, -issue.last_seen.timestamp(), str(issue.id))
