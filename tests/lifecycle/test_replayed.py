"""Lifecycle settings over replayed deliveries: the reopen window, auto-close modes,
inactive cases (the scheduler's round, its clock moved by freezegun)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine

from bot.cli import main
from bot.core.cases import Actor, ActorSource, Case, CaseStatus, TimelineEntry
from bot.core.lifecycle import Lifecycle
from bot.pipeline import Pipeline
from bot.services.case_reader import CaseReader
from bot.services.cases import CaseService
from bot.services.projects import ProjectService
from tests.lifecycle.recordings import T0, record, replay

PERSON = Actor(ActorSource.WEB, None, "Jane")


def project(engine: Engine, **lifecycle: object) -> None:
    with engine.begin() as conn:
        ProjectService(conn, now=T0).create(
            name="Ops",
            key="OPS",
            handle="ops",
            lifecycle=Lifecycle(**lifecycle),  # type: ignore[arg-type]
        )


def cases(engine: Engine) -> list[tuple[Case, list[TimelineEntry]]]:
    with engine.connect() as conn:
        reader = CaseReader(conn)
        found = sorted(reader.list_cases(include_archived=True), key=lambda c: c.number)
        return [(case, reader.timeline(case.id)) for case in found]


FLAPPING = [(0, "Alert"), (5, "OK"), (9, "Alert"), (14, "OK"), (20, "Alert")]


def test_a_flapping_group_within_the_reopen_window_reopens_one_case(
    engine: Engine, tmp_path: Path
) -> None:
    project(engine, reopen_window_secs=600)
    reports = replay(engine, Pipeline(), record(tmp_path / "flap", FLAPPING))
    ((case, timeline),) = cases(engine)
    assert (case.key, case.status, case.reopen_count) == ("OPS-1", CaseStatus.OPEN, 2)
    reopened = [e.body for e in timeline if e.kind == "reopened"]
    assert reopened == ["re-fired 4 min after recovery", "re-fired 6 min after recovery"]
    assert [r.events[0].reopened for r in reports] == [(), (), ("OPS-1",), (), ("OPS-1",)]
    # One case, closed by each recovery and reopened by each re-fire, on one timeline.
    kinds = [e.kind for e in timeline if e.kind in ("auto_close", "reopened")]
    assert kinds == ["auto_close", "reopened", "auto_close", "reopened"]


def test_without_a_window_or_past_it_each_cycle_opens_its_own_case(
    engine: Engine, tmp_path: Path
) -> None:
    project(engine, reopen_window_secs=300)
    # Re-fires 4 min and then 6 min after a recovery: only the first is within 5 min.
    replay(engine, Pipeline(), record(tmp_path / "flap", FLAPPING))
    found = [(c.key, c.status, c.reopen_count) for c, _ in cases(engine)]
    assert found == [("OPS-1", CaseStatus.CLOSED, 1), ("OPS-2", CaseStatus.OPEN, 0)]


def test_a_case_a_person_closed_is_never_reopened(engine: Engine, tmp_path: Path) -> None:
    project(engine, reopen_window_secs=600, close_unless_worked=False)
    pipeline = Pipeline()
    replay(engine, pipeline, record(tmp_path / "a", [(0, "Alert")]))
    with engine.begin() as conn:  # a person closes it, then the monitor recovers
        CaseService(conn, now=T0 + timedelta(minutes=3)).set_status(
            "OPS-1", CaseStatus.CLOSED, actor=PERSON
        )
    replay(engine, pipeline, record(tmp_path / "b", [(5, "OK"), (7, "Alert")]))
    found = [(c.key, c.status, c.closed_by) for c, _ in cases(engine)]
    assert found == [("OPS-1", CaseStatus.CLOSED, "web"), ("OPS-2", CaseStatus.OPEN, None)]


@pytest.mark.parametrize(
    "worked, status, last",
    [
        pytest.param(False, CaseStatus.CLOSED, "auto_close", id="untouched-closes"),
        pytest.param(True, CaseStatus.OPEN, "close_prompt", id="commented-stays-open-and-asks"),
    ],
)
def test_unless_worked_closes_only_cases_nobody_worked(
    engine: Engine, tmp_path: Path, worked: bool, status: CaseStatus, last: str
) -> None:
    project(engine, close_unless_worked=True)
    pipeline = Pipeline()
    replay(engine, pipeline, record(tmp_path / "a", [(0, "Alert")]))
    if worked:
        with engine.begin() as conn:
            CaseService(conn, now=T0 + timedelta(minutes=2)).comment(
                "OPS-1", "Looking at it", actor=PERSON
            )
    reports = replay(engine, pipeline, record(tmp_path / "b", [(10, "OK")]))
    ((case, timeline),) = cases(engine)
    assert case.status is status
    assert timeline[-1].kind == last
    if worked:
        assert timeline[-1].body == "monitor recovered — close?"
        assert reports[0].events[0].noted == ("OPS-1",)


def test_an_inactive_case_closes_after_its_projects_time(
    engine: Engine, migrated_database_url: str, tmp_path: Path
) -> None:
    project(engine, auto_close_inactive=True, max_inactive_secs=7 * 86_400)
    replay(engine, Pipeline(), record(tmp_path / "a", [(0, "Alert")]))  # 09:00:01 UTC
    tick = ["tick", "--database-url", migrated_database_url]
    with freeze_time(T0 + timedelta(days=7)):  # a second short of a week without activity
        assert main(tick) == 0
    ((case, _),) = cases(engine)
    assert case.status is CaseStatus.OPEN
    with freeze_time(T0 + timedelta(days=7, seconds=2)):
        assert main(tick) == 0
    ((case, timeline),) = cases(engine)
    assert (case.status, case.closed_by) == (CaseStatus.CLOSED, "inactivity")
    assert case.closed_at == datetime(2026, 11, 27, 9, 0, 2, tzinfo=UTC)
    assert timeline[-1].body == "closed: no activity for 7 days"
    assert timeline[-1].actor.source == "system"


def test_a_project_without_the_setting_keeps_its_inactive_cases(
    engine: Engine, migrated_database_url: str, tmp_path: Path
) -> None:
    project(engine)
    replay(engine, Pipeline(), record(tmp_path / "a", [(0, "Alert")]))
    with freeze_time(T0 + timedelta(days=400)):
        assert main(["tick", "--database-url", migrated_database_url]) == 0
    ((case, _),) = cases(engine)
    assert case.status is CaseStatus.OPEN
