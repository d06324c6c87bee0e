"""The migrations build exactly the tables the code declares, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from bot.db.engine import make_engine
from bot.db.migrate import HEADS, alembic_config, current_heads, upgrade
from bot.db.schema import metadata
from tests.databases import empty_database


def test_upgrade_creates_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        shipped = set(ScriptDirectory.from_config(alembic_config()).get_heads())
        assert current_heads(engine) == shipped
    finally:
        engine.dispose()


def test_heads_names_the_shipped_head_revisions() -> None:
    """`upgrade` trusts `HEADS` to skip Alembic on an up-to-date database: a new
    revision must update it."""
    shipped = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert set(HEADS) == shipped, "update bot.db.migrate.HEADS to the new head revision(s)"


def test_a_database_one_revision_behind_is_brought_up(database_url: str) -> None:
    """The shortcut for a database at `HEADS` never skips one that is not."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        script = ScriptDirectory.from_config(alembic_config())
        (head,) = HEADS
        previous = script.get_revision(head).down_revision
        assert isinstance(previous, str)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), previous)
        assert current_heads(engine) == {previous}
        upgrade(engine)
        assert current_heads(engine) == set(HEADS)
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert "0001_engine" in _applied(engine)
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_table_modules(backend: str, tmp_path: Path) -> None:
    with _migrated(backend, tmp_path) as engine, engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_a_new_database_is_made_as_the_revisions_would_make_it(
    database_url: str, backend: str, tmp_path: Path
) -> None:
    """`upgrade` makes an empty database from the table modules and stamps it, instead
    of running every revision: the schema must be the same, column by column (types,
    nullability, defaults), constraint, index, trigger and function."""
    made = make_engine(database_url)
    try:
        upgrade(made)
        with _migrated(backend, tmp_path / "migrated") as migrated:
            assert _schema(made) == _schema(migrated)
        assert current_heads(made) == set(HEADS)
    finally:
        made.dispose()


@contextmanager
def _migrated(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A new database on `backend` brought to the heads by running every revision."""
    with empty_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                command.upgrade(alembic_config(conn), "heads")
            yield engine
        finally:
            engine.dispose()


_PG_SCHEMA = [
    """SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
              || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
              || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND NOT a.attisdropped""",
    """SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    """SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace = 'public'::regnamespace""",
    "SELECT tgname || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
    """SELECT proname || ' ' || md5(prosrc) FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace""",
    "SELECT version_num FROM alembic_version",
]


def _schema(engine: Engine) -> set[str]:
    """Every column (type, NOT NULL, default), constraint, index, trigger and function,
    and the revisions, as lines."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return {row[0] for query in _PG_SCHEMA for row in conn.execute(text(query))}
        return _sqlite_schema(conn)


def _sqlite_schema(conn: Connection) -> set[str]:
    lines = {
        f"version {v}"
        for v in conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
    }
    tables = (
        conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        )
        .scalars()
        .all()
    )
    for table in tables:
        for _cid, name, kind, notnull, default, pk in conn.exec_driver_sql(
            f'PRAGMA table_info("{table}")'
        ):
            lines.add(f"{table}.{name} {kind} notnull={notnull} default={default} pk={pk}")
        for row in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")'):
            lines.add(f"{table} fk {row[3]} -> {row[2]}.{row[4]} update {row[5]} delete {row[6]}")
        for _seq, index, unique, origin, partial in conn.exec_driver_sql(
            f'PRAGMA index_list("{table}")'
        ):
            columns = [r[2] for r in conn.exec_driver_sql(f'PRAGMA index_info("{index}")')]
            lines.add(f"{table} index {index} unique={unique} {origin} partial={partial} {columns}")
    return lines


def _applied(engine: Engine) -> set[str]:
    """Every revision at or below the current heads."""
    script = ScriptDirectory.from_config(alembic_config())
    applied: set[str] = set()
    for head in current_heads(engine):
        applied.update(rev.revision for rev in script.walk_revisions("base", head))
    return applied
