"""The migrations build exactly the tables the code declares, on every backend."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from bot.db.engine import make_engine
from bot.db.migrate import HEADS, alembic_config, current_heads, upgrade
from bot.db.schema import metadata


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


def test_migrated_schema_matches_the_table_modules(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def _applied(engine: Engine) -> set[str]:
    """Every revision at or below the current heads."""
    script = ScriptDirectory.from_config(alembic_config())
    applied: set[str] = set()
    for head in current_heads(engine):
        applied.update(rev.revision for rev in script.walk_revisions("base", head))
    return applied
