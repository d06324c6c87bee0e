"""The scheduler's work: what time does to downtimes, cases and groups.

`tick(engine, pipeline, now=...)` runs one round in one transaction, at `now`
(a clock the caller passes: the server's, `casebot tick --at`, or a test's).
It first claims the round (bot/db/tick_claim.py): of several replicas on one
PostgreSQL database, one does the work and the others skip it. Each part is
idempotent: a round repeated, or run late, does each thing once.

- downtimes that ended notify the groups they muted (bot/pipeline/downtime_ends.py);
- projects that close inactive cases close them (bot/pipeline/inactive_cases.py);
- groups silent past their source's repeat interval are marked stale, and their cycle
  ends where their cases' projects say so (bot/pipeline/stale_groups.py).
"""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.core.records import record
from bot.db.tick_claim import claim
from bot.pipeline.downtime_ends import handle_ends
from bot.pipeline.inactive_cases import close_inactive
from bot.pipeline.reports import EventReport
from bot.pipeline.stale_groups import mark_stale

if TYPE_CHECKING:
    from bot.pipeline.pipeline import Pipeline


@record
class TickReport:
    """What one round did; `claimed` is False when another server did the round."""

    claimed: bool
    at: datetime
    resumed: tuple[EventReport, ...] = field(default=())
    # Keys of the cases closed for inactivity.
    inactive: tuple[str, ...] = ()
    # The groups marked stale: `source monitor group`.
    stale: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "claimed": self.claimed,
            "at": self.at.isoformat(),
            "resumed": [r.as_json() for r in self.resumed],
            "inactive": list(self.inactive),
            "stale": list(self.stale),
        }


def tick(engine: Engine, pipeline: Pipeline, *, now: datetime) -> TickReport:
    """One round of the scheduled work, at `now`."""
    with engine.begin() as conn:
        if not claim(conn):
            return TickReport(claimed=False, at=now)
        resumed = handle_ends(conn, pipeline, now=now)
        inactive = close_inactive(conn, pipeline, now=now)
        stale = mark_stale(conn, pipeline, now=now)
    return TickReport(
        claimed=True,
        at=now,
        resumed=tuple(resumed),
        inactive=tuple(inactive),
        stale=tuple(stale),
    )
