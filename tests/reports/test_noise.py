"""The noise report over a replayed 30-day history built here: four monitors, one noisy
(every case came and went by itself), one flapping (one case, re-fired into twice), one
that people work, one a downtime muted; and a case older than the period."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine

from bot.cli import main
from bot.core.cases import Actor, ActorSource
from bot.core.downtime_schedule import OneTimeSpec
from bot.core.downtimes import MonitorIdentifier
from bot.core.lifecycle import Lifecycle
from bot.pipeline import Pipeline
from bot.services.cases import CaseService
from bot.services.downtimes import DowntimeService, downtimes_changed
from bot.services.projects import ProjectService
from tests import local_http
from tests.api.server import casebot_app, key_pair, running
from tests.lifecycle.recordings import record, replay

END = datetime(2026, 11, 21, tzinfo=UTC)  # the report's "now"
DAY = timedelta(days=1)
PERSON = Actor(ActorSource.SLACK, None, "Jane")


def day(n: int, hour: int) -> datetime:
    """Day n of the period (0 is 30 days before END), at `hour` UTC."""
    return END - 30 * DAY + n * DAY + timedelta(hours=hour)


def build_history(engine: Engine, folder: Path) -> None:
    with engine.begin() as conn:
        ProjectService(conn, now=day(-20, 0)).create(
            name="Ops", key="OPS", handle="ops", lifecycle=Lifecycle(reopen_window_secs=600)
        )
        DowntimeService(conn, now=day(0, 0)).create(
            scope="*",
            monitor=MonitorIdentifier(monitor_tags=("monitor_id:queue",)),
            schedule=OneTimeSpec(day(20, 0), day(22, 0)),
            notify_end_states=(),
        )
    downtimes_changed()
    pipeline = Pipeline()
    # Before the period: not counted.
    replay(engine, pipeline, record(folder / "old", [(0, "Alert"), (30, "OK")], start=day(-10, 9)))
    # "Disk full": ten cases that each recover 30 min later, nobody touching them.
    for n in range(10):
        replay(
            engine,
            pipeline,
            record(folder / f"disk-{n}", [(0, "Alert"), (30, "OK")], start=day(n, 9)),
        )
    # "CPU high": flaps; the reopen window keeps one case, re-fired into twice.
    replay(
        engine,
        pipeline,
        record(
            folder / "cpu",
            [(0, "Alert"), (5, "OK"), (8, "Alert"), (12, "OK"), (15, "Alert"), (40, "OK")],
            monitor="cpu",
            name="CPU high",
            start=day(12, 10),
        ),
    )
    # "DB slow": three cases a person comments on 20 min in; each recovers after an hour.
    for n in (14, 15, 16):
        replay(engine, pipeline, record(folder / f"db-{n}-a", [(0, "Alert")], monitor="db",
                                        name="DB slow", start=day(n, 8)))  # fmt: skip
        with engine.begin() as conn:
            service = CaseService(conn, now=day(n, 8) + timedelta(minutes=20, seconds=1))
            key = service.list_cases()[0].key
            service.comment(key, "on it", actor=PERSON)
        replay(engine, pipeline, record(folder / f"db-{n}-b", [(60, "OK")], monitor="db",
                                        name="DB slow", start=day(n, 8)))  # fmt: skip
    # "Queue backlog": inside the downtime, muted four times; it opens nothing.
    replay(
        engine,
        pipeline,
        record(
            folder / "queue",
            [(0, "Alert"), (60, "Alert"), (120, "Warn"), (180, "OK")],
            monitor="queue",
            name="Queue backlog",
            start=day(20, 6),
        ),
    )


EXPECTED = [
    {
        "source": "generic",
        "monitor_id": "disk",
        "monitor_name": "Disk full",
        "cases_opened": 10,
        "closed_untouched": 10,
        "untouched_share": 1.0,
        "reopens": 0,
        "median_secs_to_recovery": 1800.0,
        "median_secs_to_first_action": None,
        "muted": 0,
    },
    {
        "source": "generic",
        "monitor_id": "cpu",
        "monitor_name": "CPU high",
        "cases_opened": 1,
        "closed_untouched": 1,
        "untouched_share": 1.0,
        "reopens": 2,
        "median_secs_to_recovery": 2400.0,
        "median_secs_to_first_action": None,
        "muted": 0,
    },
    {
        "source": "generic",
        "monitor_id": "db",
        "monitor_name": "DB slow",
        "cases_opened": 3,
        "closed_untouched": 0,
        "untouched_share": 0.0,
        "reopens": 0,
        "median_secs_to_recovery": 3600.0,
        "median_secs_to_first_action": 1200.0,
        "muted": 0,
    },
    {
        "source": "generic",
        "monitor_id": "queue",
        "monitor_name": "Queue backlog",
        "cases_opened": 0,
        "closed_untouched": 0,
        "untouched_share": 0.0,
        "reopens": 0,
        "median_secs_to_recovery": None,
        "median_secs_to_first_action": None,
        "muted": 4,
    },
]


@pytest.fixture
def history(engine: Engine, migrated_database_url: str, tmp_path: Path) -> str:
    build_history(engine, tmp_path)
    return migrated_database_url


def report(database_url: str, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with freeze_time(END):
        code = main(["report", "noise", "--database-url", database_url, *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def test_the_figures_of_a_30_day_history(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(report(history, capsys, "--format", "json"))
    assert document["monitors"] == EXPECTED
    assert document["since"] == "2026-10-22T00:00:00+00:00"


def test_a_shorter_period_counts_less(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    # The last 10 days: day 20 onwards, only the muted queue.
    document = json.loads(report(history, capsys, "--since", "10d", "--format", "json"))
    assert [(m["monitor_id"], m["cases_opened"], m["muted"]) for m in document["monitors"]] == [
        ("queue", 0, 4)
    ]


def test_text_and_csv(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    lines = report(history, capsys).splitlines()
    assert lines[0].split() == [
        "MONITOR", "SOURCE", "CASES", "UNTOUCHED", "REOPENS", "TO", "RECOVERY", "TO", "FIRST",
        "ACTION", "MUTED",
    ]  # fmt: skip
    assert lines[1].split() == ["Disk", "full", "generic", "10", "10", "(100%)", "0", "30", "min",
                                "-", "0"]  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(report(history, capsys, "--format", "csv"))))
    assert [r["monitor_id"] for r in rows] == ["disk", "cpu", "db", "queue"]
    assert rows[2]["median_secs_to_first_action"] == "1200.0"


def test_one_projects_report(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(report(history, capsys, "--project", "OPS", "--format", "json"))
    assert [m["monitor_id"] for m in document["monitors"]] == ["disk", "cpu", "db"]
    with freeze_time(END):
        assert main(["report", "noise", "--database-url", history, "--project", "NOPE"]) == 1


@pytest.fixture
def served(history: str) -> Iterator[tuple[str, dict[str, str]]]:
    keys = key_pair(history, "cases_read", name="reports")
    with running(casebot_app(history)) as base_url:
        yield base_url, keys.headers


def test_the_api_answers_the_same_report(served: tuple[str, dict[str, str]]) -> None:
    base_url, headers = served
    # The server's clock is the real one: ask for a period that reaches back to the history.
    days = (datetime.now(UTC) - END).days + 31
    answer = local_http.get(f"{base_url}/api/v2/reports/noise?since={days}d", headers=headers)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    assert [m["attributes"] for m in found] == EXPECTED
    assert [m["id"] for m in found] == [
        "generic:disk",
        "generic:cpu",
        "generic:db",
        "generic:queue",
    ]
    refused = local_http.get(f"{base_url}/api/v2/reports/noise?since=soon", headers=headers)
    assert refused.status_code == 400
    assert refused.json() == {"errors": ["since must be a span like 30d, 12h or 2w, got 'soon'"]}
