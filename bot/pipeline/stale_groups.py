"""Stale groups, found by the scheduler: each source's groups in Alert or Warn silent for
longer than the source repeats (bot/core/stale.py decides what they get).

A group is marked once (`stale_at`); its next notification clears the mark.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from bot.core.cases import Actor, ClosedBy, TimelineKind
from bot.core.events import Source
from bot.core.stale import STALE_STATES, on_silence
from bot.db import lifecycle_store
from bot.db.group_store import load_by_id
from bot.services.cases import CaseService

if TYPE_CHECKING:
    from bot.pipeline.pipeline import Pipeline

ROUND_LIMIT = 500


def mark_stale(conn: Connection, pipeline: Pipeline, *, now: datetime) -> list[str]:
    """Mark (and where projects say so, close) the stale groups; `source monitor group`
    of each."""
    service = CaseService(conn, now=now, listeners=pipeline.case_listeners)
    actor = Actor.system()
    marked: list[str] = []
    for source in Source:
        stale_after = pipeline.sources.stale.after(source.value)
        if stale_after is None:
            continue
        silent = lifecycle_store.silent_groups(
            conn,
            source=source.value,
            before=now - stale_after,
            states=tuple(s.value for s in STALE_STATES),
            limit=ROUND_LIMIT,
        )
        for row in silent:
            stored = load_by_id(conn, row.id)
            group = stored.state if stored is not None else None
            silence = on_silence(group, stale_after=stale_after) if group is not None else None
            if silence is None:
                continue
            data = {"silent_secs": int(stale_after.total_seconds()), "group": row.group_key}
            for case_id in silence.marks:
                service.append(
                    case_id, kind=TimelineKind.STALE, body=silence.note, actor=actor, data=data
                )
            for case_id in silence.closes:
                service.auto_close(
                    case_id,
                    actor=actor,
                    body=silence.close_message,
                    data=data,
                    closed_by=ClosedBy.STALE,
                )
            lifecycle_store.mark_stale(conn, row.id, now=now, end_cycle=silence.ends_cycle)
            marked.append(f"{source.value} {row.monitor_id} {row.group_key}")
    return marked
