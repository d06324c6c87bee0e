"""Throwaway test databases: a SQLite file, or a fresh PostgreSQL database.

Several people run the suite at once against one PostgreSQL server, so every
test gets its own database `casebot_t_<hex>`, created through the server's
`postgres` database and dropped afterwards. A migrated template database is
made once per session and copied, which is much faster than migrating anew.

Copying still costs half a second (PostgreSQL copies the template's catalogs),
so a test worker hands a migrated database it used back to the next test once it
has put it back as the copy was (`ReusedDatabases`): emptied, its sequences
restarted, its schema checked unchanged — else it is dropped and a new copy made.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
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


# What makes two databases' schemas the same, for `ReusedDatabases`: every relation,
# column, constraint, index, trigger and function of the public schema, the migration
# revision, and any setting stored for the database.
_SCHEMA = """
SELECT md5(concat_ws('|',
  (SELECT string_agg(x, ',' ORDER BY x) FROM (
     SELECT c.relname || ':' || c.relkind::text || ':' || a.attname || ':'
            || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull::text AS x
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
      WHERE c.relnamespace = 'public'::regnamespace AND NOT a.attisdropped) AS columns),
  (SELECT string_agg(x, ',' ORDER BY x) FROM (
     SELECT conname || ':' || pg_get_constraintdef(oid) AS x
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace) AS constraints),
  (SELECT string_agg(x, ',' ORDER BY x) FROM (
     SELECT pg_get_indexdef(indexrelid) AS x
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relnamespace = 'public'::regnamespace) AS indexes),
  (SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE NOT tgisinternal),
  (SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc
    WHERE pronamespace = 'public'::regnamespace),
  (SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version),
  (SELECT string_agg(array_to_string(setconfig, ';'), ',') FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))
))
"""

# The tables in an order that deletes referencing rows before the rows they reference.
_TABLES = """
SELECT c.relname,
       coalesce(array_agg(r.relname) FILTER (WHERE r.relname IS NOT NULL), '{}')
  FROM pg_class c
  LEFT JOIN pg_constraint f ON f.conrelid = c.oid AND f.contype = 'f'
  LEFT JOIN pg_class r ON r.oid = f.confrelid AND r.oid <> c.oid
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
   AND c.relname <> 'alembic_version'
 GROUP BY c.relname
"""


class ReusedDatabases:
    """Copies of the migrated `template`, each handed to one test at a time, reset
    between tests (see the module's docstring). One per test worker."""

    def __init__(self, server: URL, template: str) -> None:
        self._server = server
        self._template = template
        self._admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self._free: list[tuple[str, psycopg.Connection]] = []
        self._fingerprint: str | None = None
        self._reset_sql = ""

    def close(self) -> None:
        for name, conn in self._free:
            conn.close()
            self._drop(name)
        self._free.clear()
        self._admin.dispose()

    @contextmanager
    def database(self) -> Iterator[URL]:
        name, conn = self._free.pop() if self._free else self._create()
        try:
            yield self._server.set(database=name)
        finally:
            if self._reset(name, conn):
                self._free.append((name, conn))
            else:
                conn.close()
                self._drop(name)

    def _create(self) -> tuple[str, psycopg.Connection]:
        name = f"casebot_t_{uuid.uuid4().hex[:16]}"
        with self._admin.connect() as admin:
            admin.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"'))
        conn = psycopg.connect(
            self._server.set(drivername="postgresql", database=name).render_as_string(
                hide_password=False
            ),
            autocommit=True,
        )
        if self._fingerprint is None:
            self._fingerprint = _scalar(conn, _SCHEMA)
            self._reset_sql = _reset_statements(conn)
        return name, conn

    def _reset(self, name: str, conn: psycopg.Connection) -> bool:
        """Put the database back as the template was; False when it cannot be (its schema
        changed, or a lock held past the test's end): then it is dropped instead."""
        try:
            _end_other_sessions(conn, name)
            if _scalar(conn, _SCHEMA) != self._fingerprint:
                return False
            conn.execute(self._reset_sql.encode())
            return True
        except psycopg.Error:
            return False

    def _drop(self, name: str) -> None:
        with self._admin.connect() as admin:
            admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _scalar(conn: psycopg.Connection, sql: str) -> str:
    row = conn.execute(sql.encode()).fetchone()
    assert row is not None
    return str(row[0])


def _end_other_sessions(conn: psycopg.Connection, name: str) -> None:
    """Sessions the test left (a stopped server's pool, a killed replica's) would hold
    locks the reset waits for: end them, and wait until they are gone."""
    others = "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    conn.execute(f"SELECT pg_terminate_backend(pid) {others}".encode(), (name,))
    deadline = time.monotonic() + 10
    while conn.execute(f"SELECT count(*) {others}".encode(), (name,)).fetchone() != (0,):
        if time.monotonic() > deadline:
            raise psycopg.OperationalError(f"sessions on {name} did not end")
        time.sleep(0.01)


def _reset_statements(conn: psycopg.Connection) -> str:
    """One round trip that empties every table (referencing rows first) and restarts
    every sequence, as the template has them."""
    references = {table: set(refs) for table, refs in conn.execute(_TABLES.encode()).fetchall()}
    order: list[str] = []
    while references:
        # A table no remaining table references can go first.
        free = sorted(t for t in references if not any(t in r for r in references.values()))
        assert free, f"foreign keys form a cycle among {sorted(references)}"
        for table in free:
            order.append(table)
            del references[table]
    sequences = [
        row[0]
        for row in conn.execute(
            b"SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall()
    ]
    statements = [f'DELETE FROM "{table}";' for table in order]
    statements += [f'ALTER SEQUENCE "{sequence}" RESTART;' for sequence in sequences]
    return "SET lock_timeout = '5s'; BEGIN; " + " ".join(statements) + " COMMIT;"


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'casebot.db'}"


@contextmanager
def empty_database(backend: str, directory: Path) -> Iterator[str]:
    """A new database without any table on `backend` (`sqlite`: a file in `directory`;
    `postgres`: dropped on exit); its URL."""
    if backend == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        yield sqlite_url(directory)
        return
    server = postgres_server_url()
    assert server is not None
    with postgres_database(server) as url:
        yield url.render_as_string(hide_password=False)
