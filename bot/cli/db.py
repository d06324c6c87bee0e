"""`casebot db upgrade|backup`, and the `--database-url` option other commands share."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import BackupNotSupported, backup, database_url, make_engine, normalize_url
from bot.db.migrate import current_heads, upgrade


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "db",
        help="manage the database schema",
        description="Manage casebot's database.",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION")
    up = actions.add_parser(
        "upgrade",
        help="apply every pending migration",
        description="Apply every pending migration (the server also does this at start-up).",
    )
    add_database_option(up)
    up.set_defaults(handler=_upgrade)
    copy = actions.add_parser(
        "backup",
        help="copy the SQLite database to a new file while casebot runs",
        description=(
            "Copy the SQLite database to FILE as it is now, while casebot keeps running "
            "(SQLite's online backup). For PostgreSQL, use pg_dump."
        ),
    )
    copy.add_argument("file", metavar="FILE", help="the new file (must not exist)")
    add_database_option(copy)
    copy.set_defaults(handler=_backup)


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        metavar="URL",
        help="database URL (default: $CASEBOT_DATABASE_URL or sqlite:///casebot.db)",
    )


def open_database(args: argparse.Namespace) -> Engine:
    """An engine for `--database-url`, migrated to the latest schema.

    A database that cannot be reached or migrated ends the command (exit code 1)
    with one line naming the database and the reason.
    """
    engine = make_engine(database_url(args.database_url))
    try:
        upgrade(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"casebot: cannot use the database {shown_url(args)}: {reason}", file=sys.stderr)
        raise SystemExit(1) from None
    return engine


def shown_url(args: argparse.Namespace) -> str:
    """The database URL with any password hidden."""
    return normalize_url(database_url(args.database_url)).render_as_string(hide_password=True)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _upgrade(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        heads = ", ".join(sorted(current_heads(engine)))
    finally:
        engine.dispose()
    print(f"{shown_url(args)} is up to date (revisions: {heads})")
    return 0


def _backup(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        backup(engine, args.file)
    except BackupNotSupported:
        print(
            f"casebot db backup: {shown_url(args)} is not SQLite; back PostgreSQL up with "
            "pg_dump (see docs/operations.md)",
            file=sys.stderr,
        )
        return 1
    except FileExistsError:
        print(f"casebot db backup: {args.file} exists; name a new file", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Copied {shown_url(args)} to {args.file}.")
    return 0
