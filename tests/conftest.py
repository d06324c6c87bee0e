"""Database fixtures shared by every area's tests.

`database_url` is an empty database and `engine` a migrated one, each on SQLite
and — when $CASEBOT_TEST_POSTGRES_URL is set — on a fresh PostgreSQL database.
Builders for rows live in tests/builders.py, not here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from tests.databases import (
    ReusedDatabases,
    empty_database,
    migrated_postgres_template,
    postgres_server_url,
    sqlite_url,
)

# Property tests share two cores with servers and databases started by other tests:
# a per-example time limit would make them fail on a busy machine, not on a bug.
settings.register_profile("casebot", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("casebot")

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on; PostgreSQL runs are skipped unless configured."""
    name: str = request.param
    if name == "postgres" and postgres_server_url() is None:
        pytest.skip("CASEBOT_TEST_POSTGRES_URL is not set")
    return name


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str | None]:
    server = postgres_server_url()
    if server is None:
        yield None
        return
    with migrated_postgres_template(server) as name:
        yield name


@pytest.fixture(scope="session")
def _postgres_databases(_postgres_template: str | None) -> Iterator[ReusedDatabases | None]:
    server = postgres_server_url()
    if server is None or _postgres_template is None:
        yield None
        return
    reused = ReusedDatabases(server, _postgres_template)
    try:
        yield reused
    finally:
        reused.close()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per session and copied for each test: copying
    a file takes a fraction of a millisecond, running every migration ~100 ms."""
    directory = tmp_path_factory.mktemp("sqlite-template")
    upgrade(sqlite_url(directory))  # the engine is disposed: WAL is checkpointed into the file
    template = directory / "casebot.db"
    assert (
        not (directory / "casebot.db-wal").exists()
        or not (directory / "casebot.db-wal").stat().st_size
    ), "the template must be one file"
    return template


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) on `backend`."""
    with empty_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def migrated_database_url(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    _postgres_databases: ReusedDatabases | None,
) -> Iterator[str]:
    """A database on `backend` with every migration applied (a copy of a migrated template;
    on PostgreSQL, possibly one an earlier test used, emptied since)."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        shutil.copyfile(template, tmp_path / "casebot.db")
        yield sqlite_url(tmp_path)
        return
    assert _postgres_databases is not None
    with _postgres_databases.database() as pg_url:
        yield pg_url.render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=BACKENDS)
def shared_database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _postgres_databases: ReusedDatabases | None,
) -> Iterator[str]:
    """A migrated database on each backend that all of a module's tests share: for
    tests that only read what a module-wide fixture wrote (and a server it started)."""
    if request.param == "postgres":
        if _postgres_databases is None:
            pytest.skip("CASEBOT_TEST_POSTGRES_URL is not set")
        with _postgres_databases.database() as pg_url:
            yield pg_url.render_as_string(hide_password=False)
        return
    template: Path = request.getfixturevalue("_sqlite_template")
    directory = tmp_path_factory.mktemp("shared")
    shutil.copyfile(template, directory / "casebot.db")
    yield sqlite_url(directory)


@pytest.fixture
def engine(migrated_database_url: str) -> Iterator[Engine]:
    """A migrated engine on `backend`, disposed after the test."""
    created = make_engine(migrated_database_url)
    try:
        yield created
    finally:
        created.dispose()


# First, so that the marks are there when xdist's own hook reads them on a worker and puts
# each test's group in its id (`…::test@group`), which is what its scheduler keeps together.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup` (`make test`), a module's tests stay on one worker, so its
    module-wide server or browser is made once, unless the module spreads them over the
    workers (`SPREAD_OVER_WORKERS = True`: independent, slow tests such as one docs page each)."""
    for item in items:
        module = getattr(item, "module", None)
        if not getattr(module, "SPREAD_OVER_WORKERS", False):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
    # The slowest tests (servers and browsers in subprocesses, a docs page each) go to
    # the workers first: last, they would run on while the other workers sit idle. `make
    # test` keeps this order (--no-loadscope-reorder; xdist would put groups of one test,
    # such as a docs page, last).
    items.sort(key=lambda item: not any(item.iter_markers("slow")))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Refuse to run a module's tests spread over workers when they were meant to stay
    together: its later tests would fail on state its earlier ones made elsewhere, which
    reads as a flaky test rather than as the grouping that broke (as a pytest release
    once did, by no longer reading the id xdist writes)."""
    if not (os.environ.get("PYTEST_XDIST_WORKER") and session.config.getvalue("loadgroup")):
        return
    ungrouped = [
        item.nodeid
        for item in session.items
        if any(item.iter_markers("xdist_group")) and "@" not in item.nodeid
    ]
    if ungrouped:
        raise pytest.UsageError(
            f"--dist loadgroup did not group {ungrouped[0]} (and {len(ungrouped) - 1} more): "
            "check the installed pytest-xdist against pytest"
        )
