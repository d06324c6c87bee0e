"""Recorded deliveries replayed into downtimes, with time moved by freezegun.

A downtime is scheduled with `casebot downtime add` at a frozen time; the
recordings of tests/payloads/ are replayed through the pipeline at their
recorded times, with a notification listener standing for Slack; the
scheduler's round runs at the frozen clock's time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Connection, Engine

from bot.cli import main
from bot.cli.replay import read_recordings, replay_one
from bot.pipeline import Pipeline
from bot.pipeline.reports import DeliveryReport, Notification
from bot.pipeline.tick import tick
from bot.services.case_reader import CaseReader
from bot.services.inbox import InboxReader
from tests.engine.builders import add_project

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
SEVERAL_GROUPS = PAYLOADS / "datadog-default-several-groups"  # monitor 48213380, 11:00-11:15


class Heard:
    """Stands for Slack: every notification the pipeline would post or update."""

    def __init__(self) -> None:
        self.notified: list[tuple[str, str]] = []

    def on_notification(self, conn: Connection, note: Notification) -> None:
        self.notified.append((note.event.group, note.event.state.value))


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def pipeline(heard: Heard) -> Pipeline:
    return Pipeline(notification_listeners=[heard])


@pytest.fixture
def projects(engine: Engine) -> Iterator[None]:
    add_project(engine, "web", "WEB")
    yield


def replay(engine: Engine, pipeline: Pipeline, *paths: Path) -> list[DeliveryReport]:
    reports = []
    for recording in read_recordings(paths, None):
        replayed = replay_one(engine, pipeline, recording, create_projects=False)
        assert replayed.report is not None
        reports.append(replayed.report)
    return reports


def schedule(database_url: str, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["downtime", "add", "--database-url", database_url, "--format", "json", *args]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return str(document["id"])


def cases(engine: Engine) -> dict[str, tuple[str, str]]:
    """Case key -> (title, status)."""
    with engine.connect() as conn:
        found = CaseReader(conn).list_cases(include_archived=True)
    return {c.key: (c.title, c.status.value) for c in found}


@freeze_time("2026-11-20T10:55:00Z")
def test_alerts_inside_a_downtime_open_nothing_and_post_nothing(
    engine: Engine,
    migrated_database_url: str,
    pipeline: Pipeline,
    heard: Heard,
    projects: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    downtime = schedule(
        migrated_database_url,
        capsys,
        "--scope", "env:prod", "--monitor-id", "48213380", "--duration", "2h",
        "--message", "Deploying web",
    )  # fmt: skip
    reports = replay(engine, pipeline, SEVERAL_GROUPS)
    assert [r.outcome.value for r in reports] == ["processed"] * 4
    assert cases(engine) == {}
    assert heard.notified == []
    # The inbox names the downtime on every delivery it muted.
    with engine.connect() as conn:
        rows = InboxReader(conn).latest(limit=10)
    assert {row.reason for row in rows} == {f"muted by downtime {downtime} (Deploying web)"}
    # A monitor the downtime does not name, replayed after: it opens and it is heard.
    replay(engine, pipeline, PAYLOADS / "generic" / "01-alert.json")
    assert cases(engine) == {"WEB-1": ("Orders API 5xx rate on env:prod,service:orders", "OPEN")}
    assert heard.notified == [("env:prod,service:orders", "Alert")]


def test_a_downtime_that_ends_while_the_group_alerts_opens_the_case_then(
    engine: Engine,
    migrated_database_url: str,
    pipeline: Pipeline,
    heard: Heard,
    projects: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with freeze_time("2026-11-20T10:55:00Z"):
        schedule(
            migrated_database_url,
            capsys,
            "--scope", "env:prod", "--monitor-id", "48213380",
            "--end", "2026-11-20T11:30:00Z",
        )  # fmt: skip
    # web-1 and web-3 alert, web-2 alerts and recovers: all inside the window.
    replay(engine, pipeline, SEVERAL_GROUPS)
    with freeze_time("2026-11-20T11:20:00Z"):
        assert tick(engine, pipeline, now=datetime.now(UTC)).resumed == ()
    assert cases(engine) == {}
    with freeze_time("2026-11-20T11:31:00Z"):
        ended = tick(engine, pipeline, now=datetime.now(UTC))
    assert sorted((r.group, r.opened) for r in ended.resumed) == [
        ("env:prod,host:web-1", ("WEB-1",)),
        ("env:prod,host:web-3", ("WEB-2",)),
    ]
    assert cases(engine) == {
        "WEB-1": ("High 5xx rate on env:prod,host:web-1", "OPEN"),
        "WEB-2": ("High 5xx rate on env:prod,host:web-3", "OPEN"),
    }
    assert sorted(heard.notified) == [
        ("env:prod,host:web-1", "Alert"),
        ("env:prod,host:web-3", "Alert"),
    ]
    # The end is handled once: a later round finds nothing more to do.
    with freeze_time("2026-11-20T11:35:00Z"):
        assert tick(engine, pipeline, now=datetime.now(UTC)).resumed == ()
    assert len(heard.notified) == 2


def test_a_canceled_downtime_notifies_only_when_it_says_so(
    engine: Engine,
    migrated_database_url: str,
    pipeline: Pipeline,
    heard: Heard,
    projects: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with freeze_time("2026-11-20T10:55:00Z"):
        quiet = schedule(
            migrated_database_url, capsys, "--scope", "host:web-1", "--monitor-id", "48213380"
        )
        loud = schedule(
            migrated_database_url,
            capsys,
            "--scope", "host:web-3", "--monitor-id", "48213380",
            "--notify-end-types", "canceled",
        )  # fmt: skip
    replay(engine, pipeline, SEVERAL_GROUPS)
    with freeze_time("2026-11-20T11:20:00Z"):
        for downtime in (quiet, loud):
            assert (
                main(["downtime", "cancel", downtime, "--database-url", migrated_database_url]) == 0
            )
        ended = tick(engine, pipeline, now=datetime.now(UTC))
    # web-1's downtime notifies only when it expires; web-3's when it is canceled.
    assert [(r.group, r.opened) for r in ended.resumed] == [("env:prod,host:web-3", ("WEB-2",))]
    # web-2 was never muted (no downtime covers it): its case opened when it alerted.
    assert cases(engine)["WEB-1"] == ("High 5xx rate on env:prod,host:web-2", "CLOSED")


def _shifted(source: Path, target: Path, days: int) -> Path:
    """The recordings of `source`, each received (and timed) `days` later."""
    target.mkdir()
    for path in sorted(source.glob("*.json")):
        data = json.loads(path.read_text())
        received = datetime.fromisoformat(data["received_at"].replace("Z", "+00:00"))
        data["received_at"] = (received + timedelta(days=days)).isoformat()
        body = data["body"]
        at = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
        body["timestamp"] = (at + timedelta(days=days)).isoformat()
        body["delivery_id"] = f"{body['delivery_id']}-{days}"
        (target / path.name).write_text(json.dumps(data))
    return target


@freeze_time("2026-11-16T08:00:00Z")
def test_a_recurring_window_mutes_on_its_day_and_not_on_the_next(
    engine: Engine,
    migrated_database_url: str,
    pipeline: Pipeline,
    heard: Heard,
    projects: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Fridays 16:00-20:00 in Paris (15:00-19:00 UTC in November), for monitors tagged team:web.
    schedule(
        migrated_database_url,
        capsys,
        "--scope", "env:prod", "--monitor-tag", "team:web",
        "--rrule", "FREQ=WEEKLY;BYDAY=FR", "--start", "2026-11-06T16:00", "--duration", "4h",
        "--timezone", "Europe/Paris",
    )  # fmt: skip
    friday = PAYLOADS / "generic"  # Friday 2026-11-20, 16:00-16:40 UTC: alert, renotify, OK
    assert datetime(2026, 11, 20, tzinfo=UTC).strftime("%A") == "Friday"
    reports = replay(engine, pipeline, friday)
    assert all(r.reason and r.reason.startswith("muted by downtime") for r in reports)
    assert cases(engine) == {}
    assert heard.notified == []
    saturday = _shifted(friday, tmp_path / "saturday", days=1)
    reports = replay(engine, pipeline, saturday)
    assert [r.reason for r in reports] == [None, None, None]
    assert cases(engine) == {"WEB-1": ("Orders API 5xx rate on env:prod,service:orders", "CLOSED")}
    assert [state for _group, state in heard.notified] == ["Alert", "Alert", "OK"]


RENOTIFY = PAYLOADS / "datadog-default-alert-renotify-recovery"  # 09:12 Alert, 09:32, 09:41 OK


@pytest.mark.parametrize(
    "first_recovery, status, heard_states",
    [
        pytest.param((), "CLOSED", ["Alert", "OK"], id="the-recovery-is-heard"),
        pytest.param(("--mute-first-recovery",), "OPEN", ["Alert"], id="first-recovery-muted"),
    ],
)
def test_a_case_from_before_the_downtime_gets_its_entries_marked_muted(
    engine: Engine,
    migrated_database_url: str,
    pipeline: Pipeline,
    heard: Heard,
    capsys: pytest.CaptureFixture[str],
    first_recovery: tuple[str, ...],
    status: str,
    heard_states: list[str],
) -> None:
    add_project(engine, "storage", "STORAGE")
    replay(engine, pipeline, RENOTIFY / "01-triggered.json")  # STORAGE-1 opens at 09:12
    with freeze_time("2026-11-20T09:20:00Z"):
        downtime = schedule(
            migrated_database_url,
            capsys,
            "--monitor-id", "48213377", "--duration", "40m", *first_recovery,
        )  # fmt: skip
    replay(engine, pipeline, RENOTIFY / "02-re-triggered.json", RENOTIFY / "03-recovered.json")
    with engine.connect() as conn:
        reader = CaseReader(conn)
        (case,) = reader.list_cases(include_archived=True)
        entries = [e for e in reader.timeline(case.id) if e.kind == "monitor_transition"]
    assert case.status.value == status
    assert [e.data.get("muted_by") for e in entries][:2] == [None, downtime]
    assert [state for _group, state in heard.notified] == heard_states
