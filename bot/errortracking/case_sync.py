"""Case -> issue sync: the case listener that carries a person's case change to its issues.

`CaseService` calls `on_case_event` in the same transaction as the change.
Handled: status changes and auto-close (every linked issue moves to the
state of the case's new group, as bot/core/issue_sync.py decides), assignee
changes (every linked issue gets the case's assignee) and comments (copied
to every linked issue's activity). Changes made by sync itself carry the
`error_tracking` actor source and are ignored here, so nothing echoes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

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

    The other case listeners (the Slack message) hear of the timeline entries
    it adds: `peers`, or — when given — whatever `current()` lists at the time
    (the pipeline's listener list, which the Slack server extends at start-up).
    """

    def __init__(
        self,
        peers: Iterable[CaseListener] = (),
        *,
        current: Callable[[], Sequence[CaseListener]] | None = None,
    ) -> None:
        self._peers: tuple[CaseListener, ...] = tuple(peers)
        self._current = current

    @property
    def peers(self) -> tuple[CaseListener, ...]:
        if self._current is None:
            return self._peers
        return tuple(listener for listener in self._current() if listener is not self)

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


def with_issue_sync(
    listeners: Sequence[CaseListener],
    current: Callable[[], Sequence[CaseListener]] | None = None,
) -> tuple[CaseListener, ...]:
    """`listeners` plus the issue sync listener (once), which tells them of its own entries.

    `current`, if given, returns the live listener list (see `IssueCaseSync`).
    """
    if any(isinstance(listener, IssueCaseSync) for listener in listeners):
        return tuple(listeners)
    return (*listeners, IssueCaseSync(peers=listeners, current=current))
