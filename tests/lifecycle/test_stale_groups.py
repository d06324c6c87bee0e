"""Stale groups over a replayed Alertmanager history: a group in Alert whose resolve was
lost and that never fires again. Alertmanager repeats every 4 h by default, so after
12 h without a notification the scheduler's round (its clock moved by freezegun) marks
it stale, and with the project's `close_stale_groups` ends its cycle."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine

from bot.cli import main
from bot.core.cases import CaseStatus
from bot.core.lifecycle import Lifecycle
from bot.pipeline import Pipeline
from bot.services.case_reader import CaseReader
from bot.services.projects import ProjectService
from tests.lifecycle.recordings import replay

LOST = Path(__file__).resolve().parents[1] / "payloads" / "alertmanager-lost-resolve"
FIRED = datetime(2026, 11, 20, 9, 13, 11, 204000, tzinfo=UTC)  # 01-firing received
GROUP = "instance:web-1,job:node,mountpoint:/,severity:critical"


def _project(engine: Engine, *, close: bool) -> None:
    with engine.begin() as conn:
        ProjectService(conn, now=FIRED).create(
            name="Storage",
            key="STORAGE",
            handle="storage",
            lifecycle=Lifecycle(close_stale_groups=close),
        )


def _tick(database_url: str, at: datetime, capsys: pytest.CaptureFixture[str]) -> Any:
    with freeze_time(at):
        assert main(["tick", "--database-url", database_url, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _stale(database_url: str, capsys: pytest.CaptureFixture[str]) -> Any:
    args = ["groups", "list", "--stale", "--database-url", database_url, "--format", "json"]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def _case(engine: Engine, key: str) -> tuple[CaseStatus, list[tuple[str, str]]]:
    with engine.connect() as conn:
        reader = CaseReader(conn)
        case = reader.get(key)
        return case.status, [(e.kind, e.body) for e in reader.timeline(case.id)]


def test_with_the_setting_off_a_stale_group_is_only_marked(
    engine: Engine, migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(engine, close=False)
    replay(engine, Pipeline(), LOST / "01-firing.json")
    assert (
        _tick(migrated_database_url, FIRED + timedelta(hours=11, minutes=59), capsys)["stale"] == []
    )
    assert _stale(migrated_database_url, capsys) == []
    ticked = _tick(migrated_database_url, FIRED + timedelta(hours=12, seconds=1), capsys)
    assert ticked["stale"] == [f"alertmanager DiskFull {GROUP}"]
    (group,) = _stale(migrated_database_url, capsys)
    assert (group["group"], group["state"], group["cycle"]) == (GROUP, "Alert", 1)
    status, timeline = _case(engine, "STORAGE-1")
    assert status is CaseStatus.OPEN
    assert timeline[-1] == ("stale", "stale: no notification for 12 h")
    # Marked once: the next round adds nothing.
    _tick(migrated_database_url, FIRED + timedelta(hours=13), capsys)
    assert _case(engine, "STORAGE-1")[1] == timeline


def test_with_the_setting_on_a_stale_groups_cycle_ends(
    engine: Engine, migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(engine, close=True)
    pipeline = Pipeline()
    replay(engine, pipeline, LOST / "01-firing.json")
    _tick(migrated_database_url, FIRED + timedelta(hours=12, seconds=1), capsys)
    status, timeline = _case(engine, "STORAGE-1")
    assert status is CaseStatus.CLOSED
    assert timeline[-1] == ("auto_close", "closed: no notification for 12 h")
    (group,) = _stale(migrated_database_url, capsys)
    assert group["state"] == "OK"
    # The disk fills up again in the afternoon: a new cycle, a new case; not stale any more.
    replay(engine, pipeline, LOST / "02-firing-again.json")
    assert _case(engine, "STORAGE-2")[0] is CaseStatus.OPEN
    assert _stale(migrated_database_url, capsys) == []


def test_a_repeat_of_the_same_alert_keeps_the_group_alive(
    engine: Engine, migrated_database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _project(engine, close=True)
    pipeline = Pipeline()
    replay(engine, pipeline, LOST / "01-firing.json")
    # Alertmanager's repeat 4 h later: the same alert (a duplicate event), received anew.
    repeat = json.loads((LOST / "01-firing.json").read_text())
    repeat["received_at"] = (FIRED + timedelta(hours=4)).isoformat()
    (tmp_path / "repeat.json").write_text(json.dumps(repeat))
    (report,) = replay(engine, pipeline, tmp_path / "repeat.json")
    assert report.outcome.value == "duplicate"  # the whole delivery, sent again
    assert (
        _tick(migrated_database_url, FIRED + timedelta(hours=12, seconds=1), capsys)["stale"] == []
    )
    assert _case(engine, "STORAGE-1")[0] is CaseStatus.OPEN
    ticked = _tick(migrated_database_url, FIRED + timedelta(hours=16, seconds=1), capsys)
    assert len(ticked["stale"]) == 1
