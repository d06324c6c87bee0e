"""Who hears of recorded occurrences: the issue listeners (the Slack issue message).

`IssueService.record` tells every one of its listeners that also has
`on_issue_recorded` (an `IssueListener`), inside the same transaction, after the
occurrence is recorded, routed and (with auto-create) given its case. So one
listener list — the pipeline's case listeners, which the Slack app extends at
start-up — reaches both the case and the issue side.

Issue changes on a linked issue are written on its case's timeline, so case
listeners hear of them. Two kinds of change have no case entry to ride on and
are told to the listeners that also have `on_issue_changed` (an
`IssueChangeListener`): creating a case from an issue (which marks the issue
REVIEWED after its case entries), and every state change of an issue that has
no case (set through the API, a regression, an assignment).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import Connection

from bot.errortracking.intake import Recorded


@runtime_checkable
class IssueListener(Protocol):
    def on_issue_recorded(self, conn: Connection, recorded: Recorded, *, now: datetime) -> None: ...


def tell_issue_listeners(
    listeners: Iterable[object], conn: Connection, recorded: Recorded, *, now: datetime
) -> None:
    for listener in listeners:
        if isinstance(listener, IssueListener):
            listener.on_issue_recorded(conn, recorded, now=now)


@runtime_checkable
class IssueChangeListener(Protocol):
    def on_issue_changed(self, conn: Connection, issue_id: uuid.UUID, *, now: datetime) -> None: ...


def tell_issue_changed(
    listeners: Iterable[object], conn: Connection, issue_id: uuid.UUID, *, now: datetime
) -> None:
    for listener in listeners:
        if isinstance(listener, IssueChangeListener):
            listener.on_issue_changed(conn, issue_id, now=now)
