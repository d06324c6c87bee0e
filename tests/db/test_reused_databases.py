"""A PostgreSQL database handed from one test to the next is as the template made it.

tests/databases.py's `ReusedDatabases` empties a database a test used instead of
copying the template again; a test that saw an earlier test's rows, ids or schema
changes would pass or fail for reasons of its own. These tests drive it directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import URL, create_engine, func, insert, select, text

from bot.db.accounts import sign_in_failures
from bot.db.projects import projects
from tests.databases import ReusedDatabases, postgres_server_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def reused(_postgres_template: str | None) -> Iterator[ReusedDatabases]:
    server = postgres_server_url()
    if server is None or _postgres_template is None:
        pytest.skip("CASEBOT_TEST_POSTGRES_URL is not set")
    databases = ReusedDatabases(server, _postgres_template)
    try:
        yield databases
    finally:
        databases.close()


def _failure() -> dict[str, object]:
    return {"email": "a@example.com", "address": "127.0.0.1", "created_at": datetime.now(UTC)}


def _write(url: URL, *, alter: str | None = None, keep_open: bool = False) -> int:
    """Insert rows (one with a serial id, which it returns); leave a session open if asked."""
    engine = create_engine(url)
    conn = engine.connect()
    with conn.begin():
        conn.execute(insert(sign_in_failures).values(_failure()))
        conn.execute(insert(sign_in_failures).values(_failure()))
        conn.execute(
            text("INSERT INTO app_settings (key, value, updated_at) VALUES ('k', 'v', now())")
        )
        if alter:
            conn.execute(text(alter))
        last = conn.scalar(select(func.max(sign_in_failures.c.id)))
    if not keep_open:
        conn.close()
        engine.dispose()
    assert isinstance(last, int)
    return last


def _state(url: URL) -> tuple[int, int, int]:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            rows = conn.scalar(select(func.count()).select_from(sign_in_failures))
            settings = conn.scalar(text("SELECT count(*) FROM app_settings"))
            next_id = conn.execute(
                insert(sign_in_failures).values(_failure()).returning(sign_in_failures.c.id)
            ).scalar_one()
            conn.execute(select(projects.c.id)).all()
            return rows or 0, settings or 0, next_id
    finally:
        engine.dispose()


def test_the_next_test_gets_the_same_database_emptied_with_its_sequences_restarted(
    reused: ReusedDatabases,
) -> None:
    with reused.database() as first:
        assert _write(first) == 2
    with reused.database() as second:
        assert second.database == first.database
        assert _state(second) == (0, 0, 1)


def test_a_session_the_test_left_open_does_not_keep_its_rows(reused: ReusedDatabases) -> None:
    with reused.database() as first:
        _write(first, keep_open=True)
    with reused.database() as second:
        assert second.database == first.database
        assert _state(second) == (0, 0, 1)


def test_a_database_whose_schema_changed_is_dropped_not_handed_on(
    reused: ReusedDatabases,
) -> None:
    with reused.database() as first:
        _write(first, alter="ALTER TABLE app_settings ADD COLUMN note text")
    with reused.database() as second:
        assert second.database != first.database
        assert _state(second) == (0, 0, 1)
        engine = create_engine(second)
        try:
            with engine.connect() as conn:
                columns = conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'app_settings'"
                    )
                ).scalars()
                assert "note" not in set(columns)
        finally:
            engine.dispose()
    admin = create_engine(first.set(database="postgres"))
    try:
        with admin.connect() as conn:
            gone = conn.scalar(
                text("SELECT count(*) FROM pg_database WHERE datname = :name"),
                {"name": first.database},
            )
        assert gone == 0
    finally:
        admin.dispose()
