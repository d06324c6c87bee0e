"""The rules end to end through the pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from bot.core.cases import Actor, ClosingReason
from bot.core.events import Source
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery, DeliveryReport
from bot.services.cases import CaseService
from tests.engine.builders import T0, add_project, case_rows, generic_body, inbox_rows

pipeline = Pipeline()


def deliver(engine: Engine, body: bytes, *, minutes: int = 0) -> DeliveryReport:
    now = T0 + timedelta(minutes=minutes)
    delivery = Delivery(Source.GENERIC, body, now)
    events = pipeline.parse(delivery, now=now)
    with engine.begin() as conn:
        return pipeline.accept(conn, delivery, events, now=now)


def at(minute: int) -> str:
    return f"2026-11-20T09:{minute:02d}:00Z"


def timeline(engine: Engine, key: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(e.kind, e.body) for e in CaseService(conn, now=T0).timeline(key)]


def event(report: DeliveryReport) -> dict[str, Any]:
    (only,) = report.events
    return only.as_json()


def test_alert_renotify_recovery_one_case_closed(engine: Engine) -> None:
    add_project(engine)
    assert event(deliver(engine, generic_body(at=at(0))))["opened"] == ["OPS-1"]
    assert event(deliver(engine, generic_body(at=at(5))))["appended"] == ["OPS-1"]
    recovery = event(deliver(engine, generic_body("OK", at=at(9))))
    assert (recovery["appended"], recovery["closed"]) == (["OPS-1"], ["OPS-1"])
    (case,) = case_rows(engine)
    assert case.status == "CLOSED"
    kinds = [kind for kind, _ in timeline(engine, "OPS-1")]
    assert kinds == [
        "created",
        "monitor_transition",
        "monitor_transition",
        "monitor_transition",
        "auto_close",
    ]
    assert timeline(engine, "OPS-1")[1][1].startswith("Disk full on web-1. @case-ops")


def test_next_cycle_opens_a_new_case(engine: Engine) -> None:
    add_project(engine)
    deliver(engine, generic_body(at=at(0)))
    deliver(engine, generic_body("OK", at=at(5)))
    assert event(deliver(engine, generic_body(at=at(9))))["opened"] == ["OPS-2"]


def test_auto_close_off_leaves_case_open(engine: Engine) -> None:
    add_project(engine, auto_close=False)
    deliver(engine, generic_body(at=at(0)))
    assert "closed" not in event(deliver(engine, generic_body("OK", at=at(5))))
    assert case_rows(engine)[0].status == "OPEN"


def test_security_case_stays_open_with_a_note(engine: Engine) -> None:
    add_project(engine, default_case_type="SECURITY")
    deliver(engine, generic_body(at=at(0)))
    recovery = event(deliver(engine, generic_body("OK", at=at(5))))
    assert recovery["noted"] == ["OPS-1"]
    assert case_rows(engine)[0].status == "OPEN"
    kind, body = timeline(engine, "OPS-1")[-1]
    assert kind == "note"
    assert "closing reason" in body


def test_case_closed_by_a_person_is_not_reopened_in_the_cycle(engine: Engine) -> None:
    add_project(engine)
    deliver(engine, generic_body(at=at(0)))
    with engine.begin() as conn:
        CaseService(conn, now=T0).set_status("OPS-1", "CLOSED", actor=Actor("cli", None, "jane"))
    warn = event(deliver(engine, generic_body("Warn", at=at(3))))
    alert = event(deliver(engine, generic_body("Alert", at=at(4))))
    assert "opened" not in warn and "opened" not in alert
    assert alert["appended"] == ["OPS-1"]
    assert [c.key for c in case_rows(engine)] == ["OPS-1"]
    assert case_rows(engine)[0].status == "CLOSED"


def test_security_case_closed_with_reason_then_recovery(engine: Engine) -> None:
    add_project(engine, default_case_type="SECURITY")
    deliver(engine, generic_body(at=at(0)))
    with engine.begin() as conn:
        CaseService(conn, now=T0).set_status(
            "OPS-1", "CLOSED", actor=Actor.system(), closing_reason=ClosingReason.TESTING
        )
    recovery = event(deliver(engine, generic_body("OK", at=at(5))))
    assert "closed" not in recovery and "noted" not in recovery


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        pytest.param(None, "unknown_project", id="unknown-handle"),
        pytest.param({"monitor_enabled": False}, "monitors_disabled", id="integration-off"),
    ],
)
def test_unknown_or_disabled_handle_opens_nothing_and_is_recorded(
    engine: Engine, options: dict[str, Any] | None, reason: str
) -> None:
    if options is not None:
        add_project(engine, **options)
    report = deliver(engine, generic_body(at=at(0)))
    assert event(report)["skipped"] == [{"handle": "ops", "reason": reason}]
    assert case_rows(engine) == []
    (row,) = inbox_rows(engine)
    assert row.outcome == "processed"
    assert f"@case-ops ({reason})" in row.reason
    assert row.result["events"][0]["skipped"][0]["reason"] == reason


def test_gated_handle_opens_only_on_alert(engine: Engine) -> None:
    add_project(engine)
    warn = event(deliver(engine, generic_body("Warn", at=at(0))))
    assert "opened" not in warn
    assert event(deliver(engine, generic_body("Alert", at=at(1))))["opened"] == ["OPS-1"]


def test_late_delivery_changes_no_state(engine: Engine) -> None:
    add_project(engine)
    deliver(engine, generic_body(at=at(0)))
    deliver(engine, generic_body("OK", at=at(9)))
    late = deliver(engine, generic_body("Alert", at=at(5)))
    assert late.outcome == "late"
    assert event(late)["outcome"] == "late"
    assert [c.status for c in case_rows(engine)] == ["CLOSED"]
    with engine.connect() as conn:
        state = conn.execute(select(monitor_groups.c.state)).scalar_one()
    assert state == "OK"


def test_template_error_opens_nothing_but_counts_for_the_group(engine: Engine) -> None:
    add_project(engine)
    report = deliver(engine, generic_body(at=at(0), message="{{#is_alert}}@case-ops"))
    assert "opened" not in event(report)
    assert "not rendered" in event(report)["note"]


def test_cycle_case_constraint_refuses_a_second_case(engine: Engine) -> None:
    add_project(engine)
    deliver(engine, generic_body(at=at(0)))
    with engine.connect() as conn:
        claim = conn.execute(select(monitor_cycle_cases)).one()
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            insert(monitor_cycle_cases).values(
                group_id=claim.group_id,
                cycle=claim.cycle,
                project_id=claim.project_id,
                case_id=claim.case_id,
                created_at=datetime.now(UTC),
            )
        )


def test_concurrent_pipelines_on_separate_connections_open_one_case(engine: Engine) -> None:
    """Two processes' worth of writers, each its own connection, racing on one group."""
    add_project(engine)
    workers = 8
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            body = generic_body(at=f"2026-11-20T09:00:{n:02d}Z", delivery_id=f"race-{n}")
            now = T0 + timedelta(seconds=n)
            delivery = Delivery(Source.GENERIC, body, now)
            events = Pipeline().parse(delivery, now=now)
            barrier.wait()
            with engine.begin() as conn:
                Pipeline().accept(conn, delivery, events, now=now)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [c.key for c in case_rows(engine)] == ["OPS-1"]
    assert len(inbox_rows(engine)) == workers
