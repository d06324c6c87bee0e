"""Running a stored delivery through the pipeline again: `casebot inbox retry` and the
inbox page's **Retry** do it through `retry(...)`.

The signature was checked when the delivery arrived, so it is not checked again;
the rules make a retry safe to repeat (what was already applied is a duplicate or
late). A body the source now refuses is marked rejected; processing that raises
again leaves the delivery failed with the new error. Each step is its own
transaction, so a failure is recorded even though the work was rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from bot.core.events import Source
from bot.core.inbox import Outcome, StoredDelivery
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery
from bot.sources import SourceError

__all__ = ["Retried", "retry"]


@dataclass(frozen=True, slots=True)
class Retried:
    """What a retry made of a delivery: its new outcome, and a few words on it."""

    inbox_id: int
    outcome: str
    detail: str | None = None
    opened: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.outcome == Outcome.FAILED.value


def retry(engine: Engine, pipeline: Pipeline, row: StoredDelivery, *, now: datetime) -> Retried:
    """Process `row` again, at `now`, and tell the pipeline's listeners after it commits."""
    delivery = Delivery(Source(row.source), row.body, row.received_at, row.headers)
    try:
        events = pipeline.parse(delivery, now=now, verify=False)
    except SourceError as error:
        with engine.begin() as conn:
            reason = f"{error.field}: {error.message}"
            pipeline.mark(conn, row.id, Outcome.REJECTED, reason, now=now, errors=error.as_errors())
        return Retried(row.id, Outcome.REJECTED.value, reason)
    try:
        with engine.begin() as conn:
            report = pipeline.process(conn, row.id, delivery.source, events, now=now)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        with engine.begin() as conn:
            pipeline.mark(conn, row.id, Outcome.FAILED, reason, now=now)
        return Retried(row.id, Outcome.FAILED.value, reason)
    pipeline.announce([report])
    opened = tuple(key for event in report.events for key in event.opened)
    detail = ("opened " + ", ".join(opened)) if opened else report.reason
    return Retried(row.id, report.outcome.value, detail, opened)
