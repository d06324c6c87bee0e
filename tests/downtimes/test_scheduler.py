"""The downtime cache on the alert path, and the scheduler's claim among replicas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event

from bot.core.downtimes import MonitorIdentifier
from bot.core.events import Source
from bot.db.engine import make_engine
from bot.db.tick_claim import claim
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery
from bot.pipeline.tick import tick
from bot.services.downtimes import DowntimeCache, DowntimeService, downtimes_changed
from tests.engine.builders import add_project, generic_body

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Statements:
    """The SQL an engine runs, as text."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(statement)

    def reading(self, table: str) -> int:
        return sum(1 for s in self.seen if f"FROM {table}" in s)


def deliver(engine: Engine, pipeline: Pipeline, n: int) -> str:
    body = generic_body(at=f"2026-11-20T09:{n:02d}:00Z", group=(f"host:web-{n}",))
    delivery = Delivery(Source.GENERIC, body, NOW)
    with engine.begin() as conn:
        report = pipeline.accept(conn, delivery, pipeline.parse(delivery, now=NOW), now=NOW)
    return report.reason or ""


def test_without_downtimes_a_notification_reads_none(engine: Engine) -> None:
    add_project(engine)
    pipeline = Pipeline(downtimes=DowntimeCache(refresh_seconds=3600))
    statements = Statements(engine)
    for n in range(5):
        deliver(engine, pipeline, n)
    # The first transaction reads the (empty) list once; the others read nothing.
    assert statements.reading("downtimes") == 1


def test_a_change_made_in_this_process_is_seen_at_once(engine: Engine) -> None:
    add_project(engine)
    pipeline = Pipeline(downtimes=DowntimeCache(refresh_seconds=3600))
    assert deliver(engine, pipeline, 1) == ""
    with engine.begin() as conn:
        made = DowntimeService(conn, now=NOW).create(
            scope="host:web-2", monitor=MonitorIdentifier(monitor_tags=("*",))
        )
    downtimes_changed()
    assert deliver(engine, pipeline, 2) == f"muted by downtime {made.id}"


def test_another_process_change_is_seen_after_the_refresh(engine: Engine) -> None:
    add_project(engine)
    clock = [0.0]
    pipeline = Pipeline(downtimes=DowntimeCache(refresh_seconds=5, clock=lambda: clock[0]))
    assert deliver(engine, pipeline, 1) == ""
    with engine.begin() as conn:  # as another server would: no downtimes_changed() here
        DowntimeService(conn, now=NOW).create(
            scope="*", monitor=MonitorIdentifier(monitor_tags=("*",))
        )
    clock[0] = 4.9
    assert deliver(engine, pipeline, 2) == ""
    clock[0] = 5.0
    assert deliver(engine, pipeline, 3).startswith("muted by downtime")


def test_one_replica_at_a_time_does_a_round(
    backend: str, migrated_database_url: str, engine: Engine
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite has one writer at a time: a round waits for the other")
    other = make_engine(migrated_database_url)
    try:
        with other.begin() as conn:
            assert claim(conn)  # another replica's round, in progress
            report = tick(engine, Pipeline(), now=NOW)
            assert not report.claimed
        assert tick(engine, Pipeline(), now=NOW).claimed
    finally:
        other.dispose()
