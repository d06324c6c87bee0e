"""The engine: SQLite settings, write transactions that wait, aware UTC times."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import StatementError

from bot.db.app_settings import app_settings
from bot.db.engine import DEFAULT_DATABASE_URL, database_url, make_engine, normalize_url, reader
from bot.db.migrate import upgrade
from tests.builders import NOW
from tests.concurrency import run_together


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        engine.dispose()


def test_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEBOT_DATABASE_URL", raising=False)
    assert database_url(None) == DEFAULT_DATABASE_URL == "sqlite:///casebot.db"
    monkeypatch.setenv("CASEBOT_DATABASE_URL", "sqlite:///other.db")
    assert database_url(None) == "sqlite:///other.db"
    assert database_url("sqlite:///given.db") == "sqlite:///given.db"
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


def test_times_come_back_aware_in_utc(engine: Engine) -> None:
    paris = timezone(timedelta(hours=1))
    with engine.begin() as conn:
        conn.execute(
            insert(app_settings),
            {"key": "k", "value": "v", "updated_at": datetime(2026, 11, 23, 10, 30, tzinfo=paris)},
        )
        stored = conn.scalar(select(app_settings.c.updated_at))
    assert stored == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert stored is not None and stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(
            insert(app_settings),
            {"key": "k", "value": "v", "updated_at": datetime(2026, 11, 23, 10, 30)},
        )


def test_sqlite_stores_times_as_sqlalchemy_datetime_text(tmp_path: Path) -> None:
    """Rows written before the fast path (SQLAlchemy's own DATETIME text) and after it
    must compare and sort alike, and SQLite's CURRENT_TIMESTAMP must read back."""
    from sqlalchemy.dialects.sqlite import DATETIME

    engine = make_engine(f"sqlite:///{tmp_path / 'times.db'}")
    upgrade(engine)
    at = datetime(2026, 11, 23, 10, 30, 0, 5, tzinfo=UTC)
    plain = DATETIME().bind_processor(engine.dialect)
    assert plain is not None
    with engine.begin() as conn:
        conn.execute(insert(app_settings), {"key": "k", "value": "v", "updated_at": at})
        stored = conn.scalar(text("SELECT updated_at FROM app_settings"))
        assert stored == plain(at.replace(tzinfo=None)) == "2026-11-23 10:30:00.000005"
        conn.execute(text("UPDATE app_settings SET updated_at = '2026-11-23 10:31:07'"))
        assert conn.scalar(select(app_settings.c.updated_at)) == datetime(
            2026, 11, 23, 10, 31, 7, tzinfo=UTC
        )
        later = conn.scalar(
            select(func.count()).where(app_settings.c.updated_at > at.replace(second=59))
        )
        assert later == 1
    engine.dispose()


def test_transactions_that_read_then_write_wait_for_each_other(engine: Engine) -> None:
    # On SQLite a deferred transaction that reads first fails at once with
    # "database is locked" when it tries to write after another writer; casebot's
    # write transactions start IMMEDIATE, so every one of these succeeds.
    def read_then_write(i: int) -> int:
        for n in range(5):
            with engine.begin() as conn:
                count = conn.scalar(select(func.count()).select_from(app_settings)) or 0
                conn.execute(
                    insert(app_settings),
                    {"key": f"{i}-{n}", "value": str(count), "updated_at": datetime.now(UTC)},
                )
        return i

    results = run_together(8, read_then_write)
    assert results == list(range(8))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(app_settings)) == 40


def test_a_reader_does_not_wait_for_a_writer(engine: Engine, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    with engine.begin() as writer:
        writer.execute(text("UPDATE app_settings SET value = value"))  # holds the write lock
        done = threading.Event()

        def read() -> None:
            with reader(engine).connect() as conn:
                conn.scalar(select(func.count()).select_from(app_settings))
            done.set()

        thread = threading.Thread(target=read)
        thread.start()
        assert done.wait(timeout=5), "a reader waited for the writer"
        thread.join()


def test_an_in_memory_database_is_shared_by_threads() -> None:
    engine = make_engine("sqlite://")
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(insert(app_settings), {"key": "k", "value": "v", "updated_at": NOW})

        def count(_: int) -> int:
            with engine.connect() as conn:
                return conn.scalar(select(func.count()).select_from(app_settings)) or 0

        assert run_together(1, count) == [1]
    finally:
        engine.dispose()
