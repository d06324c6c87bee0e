"""Group commit does exactly what one delivery per transaction does."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bot.core.events import MonitorEvent, Source
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery, DeliveryReport
from bot.services.cases import CaseService
from bot.sources import SourceError
from tests.engine.builders import T0, add_project, generic_body

pipeline = Pipeline()


def deliveries() -> list[Delivery]:
    a = {"group": ("host:a",)}
    b = {"group": ("host:b",)}
    bodies = [
        generic_body(at="2026-11-20T09:00:00Z", delivery_id="1", **a),  # opens OPS-1
        generic_body(at="2026-11-20T09:01:00Z", delivery_id="2", **a),  # appended
        generic_body(at="2026-11-20T09:01:00Z", delivery_id="2", **a),  # same id: duplicate
        generic_body(at="2026-11-20T09:00:30Z", delivery_id="3", **a),  # late
        generic_body(
            at="2026-11-20T09:00:00Z", message="@case-nope {{#is_alert}}@case-ops{{/is_alert}}", **b
        ),
        b"{not json",
        generic_body("OK", at="2026-11-20T09:02:00Z", delivery_id="4", **a),  # closes OPS-1
        generic_body("OK", at="2026-11-20T09:02:00Z", delivery_id="5", **a),  # duplicate state
        generic_body("Warn", at="2026-11-20T09:03:00Z", **a),  # new cycle, gated: no case
        generic_body("Alert", at="2026-11-20T09:04:00Z", **a),  # opens OPS-3
        generic_body("Alert", at="2026-11-20T09:05:00Z", **b),  # appended to OPS-2
        # From here on a second batch: the groups are stored, with cases, when it starts.
        generic_body("Alert", at="2026-11-20T09:06:00Z", **a),  # appended to OPS-3
        generic_body("OK", at="2026-11-20T09:07:00Z", **b),  # closes OPS-2
        generic_body("Alert", at="2026-11-20T09:05:30Z", **b),  # late
    ]
    return [
        Delivery(Source.GENERIC, body, T0 + timedelta(seconds=i)) for i, body in enumerate(bodies)
    ]


def parsed(delivery: Delivery) -> list[MonitorEvent] | SourceError:
    try:
        return pipeline.parse(delivery, now=delivery.received_at)
    except SourceError as error:
        return error


def summary(engine: Engine, reports: list[DeliveryReport]) -> dict[str, Any]:
    with engine.connect() as conn:
        service = CaseService(conn, now=T0)
        cases = {
            c.key: (c.status, [e.kind for e in service.timeline(c.id)])
            for c in service.list_cases()
        }
    return {
        "deliveries": [
            (r.outcome.value, r.reason, [e.as_json() for e in r.events]) for r in reports
        ],
        "cases": cases,
    }


def test_one_batch_equals_one_transaction_each(engine: Engine, tmp_path: Path) -> None:
    add_project(engine)
    items = [(d, parsed(d)) for d in deliveries()]
    batched = []
    for batch in (items[:11], items[11:]):
        with engine.begin() as conn:
            batched += pipeline.accept_batch(conn, batch, now=T0)

    url = f"sqlite:///{tmp_path / 'one-by-one.db'}"
    upgrade(url)
    single = make_engine(url)
    try:
        add_project(single)
        one_by_one = []
        for delivery, events in items:
            with single.begin() as conn:
                if isinstance(events, SourceError):
                    one_by_one.append(pipeline.store_rejected(conn, delivery, events, now=T0))
                else:
                    one_by_one.append(pipeline.accept(conn, delivery, events, now=T0))
        expected = summary(single, one_by_one)
    finally:
        single.dispose()

    got = summary(engine, batched)
    assert got == expected
    assert [d[0] for d in got["deliveries"]] == [
        "processed",
        "processed",
        "duplicate",
        "late",
        "processed",
        "rejected",
        "processed",
        "duplicate",
        "processed",
        "processed",
        "processed",
        "processed",
        "processed",
        "late",
    ]
    assert {k: v[0] for k, v in got["cases"].items()} == {
        "OPS-1": "CLOSED",
        "OPS-2": "CLOSED",
        "OPS-3": "OPEN",
    }
