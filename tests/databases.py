"""Throwaway test databases: a SQLite file, or a fresh PostgreSQL database.

Several people run the suite at once against one PostgreSQL server, so every
test gets its own database `casebot_t_<hex>`, created through the server's
`postgres` database and dropped afterwards. A migrated template database is
made once per session and copied, which is much faster than migrating anew.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, text

from bot.db.engine import make_engine, normalize_url
from bot.db.migrate import upgrade

POSTGRES_URL_ENV = "CASEBOT_TEST_POSTGRES_URL"


def postgres_server_url() -> URL | None:
    """The server named by $CASEBOT_TEST_POSTGRES_URL, or None when PostgreSQL tests are off."""
    raw = os.environ.get(POSTGRES_URL_ENV)
    return normalize_url(raw) if raw else None


@contextmanager
def _admin(server: URL) -> Iterator[Engine]:
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        yield admin
    finally:
        admin.dispose()


@contextmanager
def postgres_database(server: URL, *, template: str | None = None) -> Iterator[URL]:
    """A new, empty (or `template`-copied) database on `server`, dropped on exit."""
    name = f"casebot_t_{uuid.uuid4().hex[:16]}"
    with _admin(server) as admin, admin.connect() as conn:
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    try:
        yield server.set(database=name)
    finally:
        with _admin(server) as admin, admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def migrated_postgres_template(server: URL) -> Iterator[str]:
    """A migrated database to copy from; its name."""
    with postgres_database(server) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        assert url.database is not None
        yield url.database


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'casebot.db'}"
