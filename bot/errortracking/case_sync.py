"""Case -> issue sync: the case listener that carries a person's case change to its issues.

`CaseService` calls `on_case_event` in the same transaction as the change.
Handled: status changes and auto-close (every linked issue moves to the
state of the case's new group, as bot/core/issue_sync.py decides), assignee
changes (every linked issue gets the case's assignee) and comments (copied
to every linked issue's activity). Changes made by sync itself carry the
`error_tracking` actor source and are ignored here, so nothing echoes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from bot.core.cases import CaseEvent, TimelineKind
from bot.core.issue_sync import CaseStatusChanged, sync
from bot.core.issues import ActivityKind
from bot.db import case_store
from bot.db.issue_store import IssueStore
from bot.errortracking.case_entries import is_sync
from bot.errortracking.linking import Linker
from bot.services.cases import CaseListener, CaseService

_STATUS_KINDS = frozenset({TimelineKind.STATUS.value, TimelineKind.AUTO_CLOSE.value})
_HANDLED = _STATUS_KINDS | {TimelineKind.ASSIGNEE.value, TimelineKind.COMMENT.value}


class IssueCaseSync:
    """The case listener for error tracking.

    The other case listeners (`peers`: the Slack message, the console's feed) hear
    of the timeline entries it adds.
    """

    def __init__(self, peers: Iterable[CaseListener] = ()) -> None:
        self.peers: tuple[CaseListener, ...] = tuple(peers)

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        if event.kind not in _HANDLED or is_sync(event.actor):
            return
        store = IssueStore(conn, now=event.occurred_at)
        issues = store.linked(event.case.id, for_update=True)
        if not issues:
            return
        cases = CaseService(conn, now=event.occurred_at, listeners=self.peers)
        linker = Linker(store, cases)
        if event.kind in _STATUS_KINDS:
            _follow_status(event, store, linker)
        elif event.kind == TimelineKind.ASSIGNEE.value:
            assignee = event.case.assignee_id
            name = cases.get_user(assignee).name if assignee is not None else ""
            linker.align_assignees(event.case.id, assignee, name, event.actor)
        else:
            _copy_comment(conn, event, store)


def _follow_status(event: CaseEvent, store: IssueStore, linker: Linker) -> None:
    previous = event.previous
    if previous is None or previous.status == event.case.status:
        return
    before = store.linked_case(previous.status, event.case.id)
    decision = sync(before, CaseStatusChanged(event.case.status))
    linker.apply_issue_changes(decision.issue_changes, event.case, event.actor)


def _copy_comment(conn: Connection, event: CaseEvent, store: IssueStore) -> None:
    body = case_store.entry_body(conn, event.timeline_entry_id)
    for issue in store.linked(event.case.id):
        store.record(
            issue.id,
            ActivityKind.COMMENT,
            event.actor,
            body,
            {"case_key": event.case.key, "case_entry_id": event.timeline_entry_id},
        )


def with_issue_sync(listeners: Sequence[CaseListener]) -> tuple[CaseListener, ...]:
    """The issue sync listener (once) and then `listeners`, which it tells of its own entries.

    Sync goes first: the entries it writes for a change (an issue's new state) reach
    the others before the change itself.
    """
    if any(isinstance(listener, IssueCaseSync) for listener in listeners):
        return tuple(listeners)
    return (IssueCaseSync(peers=listeners), *listeners)
