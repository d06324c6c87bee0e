"""Creating engines: SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode with `synchronous=NORMAL` (durable across process
crashes; the last transactions may be lost on power loss), foreign keys on,
and a busy timeout so that concurrent writers wait instead of failing.

SQLite transactions start with `BEGIN IMMEDIATE`: a transaction that reads
and then writes would otherwise fail at once with "database is locked" when
another writer committed in between (the busy timeout does not apply to a
lock upgrade). Read-only work can opt out with `reader(engine)`, which
starts deferred transactions that never wait for the writer.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

DEFAULT_DATABASE_URL = "sqlite:///casebot.db"
DATABASE_URL_ENV = "CASEBOT_DATABASE_URL"

# Milliseconds a SQLite connection waits for the write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000

# SQLite's result code for "the database is locked" (its extended codes share the low byte).
_SQLITE_BUSY = 5

# Execution option that makes a SQLite transaction start deferred (read-only work).
_DEFERRED = "casebot_sqlite_deferred"


def database_url(explicit: str | None = None) -> str:
    """The URL to use: an explicit one, else $CASEBOT_DATABASE_URL, else the default file."""
    return explicit or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def normalize_url(url: str | URL) -> URL:
    """Parse `url`, choosing psycopg (v3) for a bare `postgresql://` URL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """An engine for `url` (default `sqlite:///casebot.db`), set up as the module docstring says."""
    parsed = normalize_url(url if url is not None else database_url())
    kwargs.setdefault("json_serializer", json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # No pool_pre_ping: it costs a round trip per transaction. Connections are
    # recycled instead, and a dropped one fails its transaction, which the edge retries.
    kwargs.setdefault("pool_recycle", 1800)
    connect_args = dict(kwargs.pop("connect_args", {}))
    # Plan every execution of a prepared statement for the table as it is now. A
    # connection lives long (the writer keeps one), and a generic plan made while a
    # table was small (a new install: sequential scans) would otherwise stay in use
    # as it grows, until an ANALYZE, which nothing guarantees (autovacuum may be off).
    connect_args.setdefault("options", "-c plan_cache_mode=force_custom_plan")
    return create_engine(parsed, connect_args=connect_args, **kwargs)


def json_text(value: Any) -> str:
    """JSON columns' text, by orjson: the standard library's encoder was a few percent of
    storing a batch of alerts (every inbox row keeps each event's outcome as JSON)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def reader(engine: Engine) -> Engine:
    """The same engine, but SQLite transactions start deferred: for read-only work."""
    return engine.execution_options(**{_DEFERRED: True})


def _sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    in_memory = url.database in (None, "", ":memory:")
    if in_memory:
        # One shared connection, or every thread would see its own empty database.
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module; `_on_begin` issues BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(_DEFERRED):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def bound_lock_wait(conn: Connection, seconds: float | None) -> None:
    """Make `conn` wait at most `seconds` for SQLite's write lock (None: the engine's
    30 s again). PostgreSQL's connections are left as they are: its writers lock rows,
    not the database, and one that waits is waiting for another casebot's short
    transaction."""
    if conn.dialect.name != "sqlite":
        return
    ms = SQLITE_BUSY_TIMEOUT_MS if seconds is None else max(1, round(seconds * 1000))
    # On the driver's connection: through SQLAlchemy, the statement would first begin a
    # transaction, and casebot's begin takes the very lock this is about.
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    driver.execute(f"PRAGMA busy_timeout={ms}")


def is_lock_timeout(error: BaseException) -> bool:
    """Whether `error` is SQLite giving up on a write lock another connection holds."""
    if not isinstance(error, OperationalError):
        return False
    code = getattr(error.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == _SQLITE_BUSY


class BackupNotSupported(Exception):
    """`backup` copies SQLite databases only; PostgreSQL has pg_dump."""


def backup(engine: Engine, target: str | os.PathLike[str]) -> None:
    """Copy a SQLite database to the file `target` while it is in use (SQLite's online
    backup: a consistent snapshot, readers and the writer carry on). The file must not
    exist. Raises `BackupNotSupported` for another database."""
    if engine.dialect.name != "sqlite":
        raise BackupNotSupported(engine.dialect.name)
    if Path(target).exists():
        raise FileExistsError(target)
    source = engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            source.driver_connection.backup(copy)  # type: ignore[union-attr]
        finally:
            copy.close()
    finally:
        source.close()
