"""Monitor groups as people look them up: `casebot groups list [--stale]`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.db import lifecycle_store


@dataclass(frozen=True, slots=True)
class GroupSummary:
    id: int
    source: str
    monitor_id: str
    monitor_name: str
    group: str
    state: str
    cycle: int
    last_notified_at: datetime | None
    # When the scheduler found it silent past its source's repeat interval (None: not stale).
    stale_at: datetime | None


class GroupReader:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def list(self, *, stale_only: bool = False, limit: int = 100) -> list[GroupSummary]:
        found = lifecycle_store.list_groups(self.conn, stale_only=stale_only, limit=limit)
        return [_summary(r) for r in found]

    def find(self, group_id: int) -> GroupSummary | None:
        row = lifecycle_store.group_by_id(self.conn, group_id)
        return _summary(row) if row is not None else None


def _summary(r: Any) -> GroupSummary:
    return GroupSummary(
        r.id,
        r.source,
        r.monitor_id,
        r.monitor_name,
        r.group_key,
        r.state,
        r.cycle,
        r.last_notified_at,
        r.stale_at,
    )
