"""Concurrent writers: gapless case keys, and one case per monitor cycle and project."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.db.cases import cases
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups
from bot.db.users import users
from bot.services.cases import CaseService
from bot.services.users import UserService
from tests.builders import API, NOW, make_case, make_project
from tests.concurrency import run_together

THREADS = 8
_T = TypeVar("_T")


def test_case_keys_stay_gapless_under_concurrent_creators(engine: Engine) -> None:
    with engine.begin() as conn:
        project = make_project(conn, key="OPS", handle="ops")
    per_thread = 10

    def create(i: int) -> list[str]:
        keys = []
        for n in range(per_thread):
            with engine.begin() as conn:
                case = CaseService(conn, now=NOW).create_case(
                    project=project, title=f"t{i}-{n}", actor=API
                )
                keys.append(case.key)
        return keys

    results = run_together(THREADS, create)
    created = [key for result in results for key in _unwrap(result)]
    expected = {f"OPS-{n}" for n in range(1, THREADS * per_thread + 1)}
    assert sorted(created) == sorted(expected)
    with engine.connect() as conn:
        numbers = conn.scalars(select(cases.c.number).order_by(cases.c.number)).all()
    assert numbers == list(range(1, THREADS * per_thread + 1))


def test_rolled_back_creations_give_their_numbers_back(engine: Engine) -> None:
    with engine.begin() as conn:
        project = make_project(conn, key="OPS", handle="ops")

    class Abort(Exception):
        pass

    def create(i: int) -> str:
        with engine.begin() as conn:
            case = CaseService(conn, now=NOW).create_case(project=project, title="t", actor=API)
            if i % 2:
                raise Abort
            return case.key

    results = run_together(THREADS, create)
    kept = sorted(r for r in results if isinstance(r, str))
    assert sum(isinstance(r, Abort) for r in results) == THREADS // 2
    assert kept == sorted(f"OPS-{n}" for n in range(1, THREADS // 2 + 1))


def test_one_case_per_monitor_cycle_and_project_under_concurrent_inserts(engine: Engine) -> None:
    with engine.begin() as conn:
        project = make_project(conn, key="OPS", handle="ops")
        group_id = conn.execute(
            insert(monitor_groups).returning(monitor_groups.c.id),
            {"source": "datadog", "monitor_id": "42", "group_key": "host:web-1", "state": "Alert"},
        ).scalar_one()

    def open_case(i: int) -> str:
        with engine.begin() as conn:
            case = make_case(conn, project, title=f"attempt {i}")
            conn.execute(
                insert(monitor_cycle_cases),
                {
                    "group_id": group_id,
                    "cycle": 1,
                    "project_id": project.id,
                    "case_id": case.id,
                    "created_at": NOW,
                },
            )
            return case.key

    results = run_together(THREADS, open_case)
    opened = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, IntegrityError)]
    assert len(opened) == 1, results
    assert len(refused) == THREADS - 1, results
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(monitor_cycle_cases)) == 1
        # The losers' cases rolled back with their links: one case, key OPS-1.
        assert conn.scalars(select(cases.c.key)).all() == ["OPS-1"]


def _unwrap(result: _T | BaseException) -> _T:
    if isinstance(result, BaseException):
        raise result
    return result


def test_concurrent_first_sight_of_a_slack_user_makes_one_user(engine: Engine) -> None:
    def first_sight(i: int) -> str:
        with engine.begin() as conn:
            service = UserService(conn, now=NOW)
            user = service.ensure(name="Ada", slack_user_id="U0ADA")
            # The caller's transaction survives a lost race and goes on working.
            service.ensure(name=f"other {i}", slack_user_id=f"U{i}")
            return str(user.id)

    results = run_together(THREADS, first_sight)
    ids = {_unwrap(result) for result in results}
    assert len(ids) == 1
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(users)) == THREADS + 1
