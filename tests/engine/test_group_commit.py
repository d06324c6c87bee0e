"""Group commit does exactly what one delivery per transaction does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from bot.core.cases import Actor, CaseEvent, CaseStatus
from bot.core.events import MonitorEvent, Source
from bot.db.cases import case_timeline, cases
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery, DeliveryReport
from bot.services.case_listeners import BatchListener
from bot.services.cases import CaseService
from bot.sources import SourceError
from tests.engine.builders import T0, add_project, generic_body

pipeline = Pipeline()
SYSTEM = Actor.system()


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


class Heard:
    """A case listener that writes down what it hears: (kind, key, body, entry id)."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, str, str, int]] = []

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        self.changes.append((event.kind, event.case.key, event.body, event.timeline_entry_id))


class HeardTogether(BatchListener, Heard):
    """The same, for a listener that takes a batch's changes in one call."""

    def __init__(self) -> None:
        Heard.__init__(self)
        self.calls = 0

    def on_case_events(self, conn: Connection, events: Sequence[CaseEvent]) -> None:
        self.calls += 1
        for event in events:
            Heard.on_case_event(self, conn, event)


def stored_entries(engine: Engine) -> dict[int, tuple[str, str, str]]:
    """Every timeline entry by id: (kind, case key, body)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                case_timeline.c.id, case_timeline.c.kind, cases.c.key, case_timeline.c.body
            ).join(cases, cases.c.id == case_timeline.c.case_id)
        )
        return {row.id: (row.kind, row.key, row.body) for row in rows}


def test_listeners_hear_a_batch_in_the_order_one_transaction_each_tells_them(
    engine: Engine, tmp_path: Path
) -> None:
    """The cases a batch opens are written together at its end; every listener still
    hears every change, in order, with the id of the entry that was stored for it."""
    add_project(engine)
    items = [(d, parsed(d)) for d in deliveries()]
    one, together = Heard(), HeardTogether()
    batched = Pipeline(case_listeners=[one, together])
    for batch in (items[:11], items[11:]):
        with engine.begin() as conn:
            batched.accept_batch(conn, batch, now=T0)

    url = f"sqlite:///{tmp_path / 'one-by-one.db'}"
    upgrade(url)
    single = make_engine(url)
    expected = Heard()
    try:
        add_project(single)
        each = Pipeline(case_listeners=[expected])
        for delivery, events in items:
            if not isinstance(events, SourceError):
                with single.begin() as conn:
                    each.accept(conn, delivery, events, now=T0)
    finally:
        single.dispose()

    def told(heard: Heard) -> list[tuple[str, str, str]]:
        return [(kind, key, body) for kind, key, body, _ in heard.changes]

    assert len(expected.changes) >= 12
    assert told(one) == told(expected)
    assert told(together) == told(expected)
    stored = stored_entries(engine)
    for kind, key, body, entry_id in one.changes + together.changes:
        assert stored[entry_id] == (kind, key, body)
    assert together.calls < len(together.changes)  # told in a few calls, not one each


def test_a_storm_opens_every_case_with_gapless_keys_and_closes_them_on_recovery(
    engine: Engine,
) -> None:
    add_project(engine)
    with engine.begin() as conn:
        CaseService(conn, now=T0).create_case(project="ops", title="before", actor=SYSTEM)
    hosts = [f"host:storm-{n:03d}" for n in range(60)]

    def batch(state: str, at: str) -> list[tuple[Delivery, list[MonitorEvent] | SourceError]]:
        made = [
            Delivery(Source.GENERIC, generic_body(state, at=at, group=(host,)), T0)
            for host in hosts
        ]
        return [(d, parsed(d)) for d in made]

    with engine.begin() as conn:
        reports = pipeline.accept_batch(conn, batch("Alert", "2026-11-20T09:00:00Z"), now=T0)
    opened = [key for r in reports for e in r.events for key in e.opened]
    assert opened == [f"OPS-{n}" for n in range(2, 62)]
    with engine.begin() as conn:
        after = CaseService(conn, now=T0).create_case(project="ops", title="after", actor=SYSTEM)
    assert after.key == "OPS-62"
    entries = stored_entries(engine)
    per_case: dict[str, list[str]] = {}
    for entry_id in sorted(entries):
        kind, key, _ = entries[entry_id]
        per_case.setdefault(key, []).append(kind)
    for key in opened:
        assert per_case[key] == ["created", "monitor_transition"]

    with engine.begin() as conn:
        reports = pipeline.accept_batch(conn, batch("OK", "2026-11-20T09:10:00Z"), now=T0)
    closed = [key for r in reports for e in r.events for key in e.closed]
    assert sorted(closed) == sorted(opened)
    with engine.connect() as conn:
        statuses = {c.key: c.status for c in CaseService(conn, now=T0).list_cases()}
    assert all(statuses[key] == CaseStatus.CLOSED for key in opened)
    assert statuses["OPS-1"] == statuses["OPS-62"] == CaseStatus.OPEN


def test_numbers_a_batch_took_but_did_not_use_are_given_back(engine: Engine) -> None:
    """A batch takes case numbers for all its events at once; those its events did not
    open cases with go back, so the project's keys stay gapless."""
    add_project(engine)
    items = []
    for n in range(10):
        message = "Disk full. {{#is_alert}}@case-ops{{/is_alert}}" if n % 3 == 0 else "Disk full."
        body = generic_body(group=(f"host:mixed-{n}",), message=message)
        delivery = Delivery(Source.GENERIC, body, T0)
        items.append((delivery, parsed(delivery)))
    with engine.begin() as conn:
        reports = pipeline.accept_batch(conn, items, now=T0)
    assert [key for r in reports for e in r.events for key in e.opened] == [
        "OPS-1",
        "OPS-2",
        "OPS-3",
        "OPS-4",
    ]
    with engine.begin() as conn:
        made = CaseService(conn, now=T0).create_case(project="ops", title="next", actor=SYSTEM)
    assert made.key == "OPS-5"
