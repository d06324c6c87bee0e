"""Bringing a database's schema up to date with the shipped Alembic revisions.

No alembic.ini is needed: the revisions ship inside the package
(`bot/db/migrations/versions/`) and are found through the package path.

Every command migrates the database it opens, and almost always it is up to date
already: `upgrade` then only reads `alembic_version` and compares it with
`HEADS`, without importing Alembic or reading the revisions (most of a command's
start-up time otherwise). tests/db/test_migrations.py checks that `HEADS` names
the shipped heads.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import make_engine, reader

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "bot.db:migrations"
# The head revisions of bot/db/migrations/versions/: a new revision updates this.
HEADS = frozenset({"0011_case_notices"})

_VERSIONS = text("SELECT version_num FROM alembic_version")
# Alembic's own version table, as it creates it.
_VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), primary_key=True),
)
_VERSION_TABLE.primary_key.name = "alembic_version_pkc"
# Held while a PostgreSQL database is migrated or made (bot/db/migrations/env.py): two
# servers starting at once must not both do it. Any value will do; it only has to be the
# same for every casebot process.
PG_MIGRATION_LOCK = 0x6361_7365_626F_74  # "casebot"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic `Config` for casebot's revisions, optionally bound to `connection`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine_or_url: Engine | str, revision: str = "heads") -> None:
    """Apply every revision not yet applied (all heads: each area has its own branch)."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        if revision == "heads" and (_at_heads(engine) or _made_at_heads(engine)):
            return
        from alembic import command

        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    finally:
        if engine is not engine_or_url:
            engine.dispose()


def _made_at_heads(engine: Engine) -> bool:
    """Make a new database (one without any table) from the table modules and stamp it
    at `HEADS`, as Alembic's cookbook builds a database from scratch: running every
    revision takes about three times as long, and every new install and most tests
    start from an empty database. False, and nothing done, when it has tables.

    tests/db/test_migrations.py checks that both ways make the same schema."""
    from bot.db.schema import metadata

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
        if inspect(connection).get_table_names():
            return False
        metadata.create_all(connection)
        _VERSION_TABLE.create(connection)
        connection.execute(_VERSION_TABLE.insert(), [{"version_num": h} for h in sorted(HEADS)])
    return True


def _at_heads(engine: Engine) -> bool:
    """Whether the database is at `HEADS` already (False when it cannot tell: a new
    database has no `alembic_version`; Alembic then says what is wrong, if anything)."""
    try:
        with reader(engine).connect() as connection:
            return frozenset(connection.execute(_VERSIONS).scalars()) == HEADS
    except SQLAlchemyError:
        return False


def current_heads(engine: Engine) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


@functools.cache
def shipped_heads() -> frozenset[str]:
    """The head revisions this version of casebot ships (read from the package once)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


@dataclass(frozen=True, slots=True)
class SchemaState:
    database: frozenset[str]
    shipped: frozenset[str]

    @property
    def at_head(self) -> bool:
        return self.database == self.shipped

    def describe(self) -> str:
        """What differs, for an operator: the database's revisions and this version's."""
        found = ", ".join(sorted(self.database)) or "none"
        return f"database at {found}; this version expects {', '.join(sorted(self.shipped))}"


def schema_state(engine: Engine) -> SchemaState:
    """The database's revisions beside this version's. A deferred transaction on SQLite:
    the question never waits for a writer's lock."""
    return SchemaState(frozenset(current_heads(reader(engine))), shipped_heads())
