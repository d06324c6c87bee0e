"""Inactive cases: a project with `auto_close_inactive_cases` closes a case unchanged for
its `max_inactive_time_in_secs` (Datadog's 7 to 180 days). Run by the scheduler.

Activity is any change to the case or its timeline — a comment, an assignment, a monitor
notification (muted ones included) — as `modified_at` records it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from bot.core.case_changes import AutoClose
from bot.core.cases import Actor, ClosedBy
from bot.core.lifecycle import describe_duration
from bot.db import lifecycle_store
from bot.services.cases import CaseService

if TYPE_CHECKING:
    from bot.pipeline.pipeline import Pipeline

# At most this many cases per project and round: a first round over a large backlog is
# spread over several minutes rather than one long transaction.
ROUND_LIMIT = 500


def close_inactive(conn: Connection, pipeline: Pipeline, *, now: datetime) -> list[str]:
    """Close the cases inactive past their project's limit; their keys."""
    service = CaseService(conn, now=now, listeners=pipeline.case_listeners)
    closed: list[str] = []
    for project_id, seconds in lifecycle_store.projects_closing_inactive(conn):
        before = now - timedelta(seconds=seconds)
        body = f"closed: no activity for {describe_duration(seconds)}"
        for case_id in lifecycle_store.inactive_cases(
            conn, project_id, before=before, limit=ROUND_LIMIT
        ):
            outcome = service.auto_close(
                case_id,
                actor=Actor.system(),
                body=body,
                data={"inactive_secs": seconds},
                closed_by=ClosedBy.INACTIVITY,
            )
            if outcome is AutoClose.CLOSE:
                closed.append(service.get(case_id).key)
    return closed
