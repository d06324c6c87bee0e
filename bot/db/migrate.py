"""Bringing a database's schema up to date with the shipped Alembic revisions.

No alembic.ini is needed: the revisions ship inside the package
(`bot/db/migrations/versions/`) and are found through the package path.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from bot.db.engine import make_engine

SCRIPT_LOCATION = "bot.db:migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic `Config` for casebot's revisions, optionally bound to `connection`."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine_or_url: Engine | str, revision: str = "heads") -> None:
    """Apply every revision not yet applied (all heads: each area has its own branch)."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    finally:
        if engine is not engine_or_url:
            engine.dispose()


def current_heads(engine: Engine) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())
