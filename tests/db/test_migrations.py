"""The migrations build exactly the tables the code declares, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from bot.db.engine import make_engine
from bot.db.migrate import alembic_config, current_heads, upgrade
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
