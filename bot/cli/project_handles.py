"""The case handles of the database's projects, for `casebot lint` and `casebot preview`.

Without `--database-url` they come from the database `casebot serve` would use
($CASEBOT_DATABASE_URL, else `casebot.db`), when there is one: a SQLite file that
does not exist is not created just to find it empty.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import database_url, make_engine, normalize_url
from bot.services.messages import ProjectHandles, project_handles

__all__ = ["ProjectHandles", "add_option", "load"]


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        metavar="URL",
        help="read the projects' @case- handles from this database (default: "
        "$CASEBOT_DATABASE_URL, else casebot.db when it exists)",
    )


def load(explicit_url: str | None, command: str, *, quiet: bool = False) -> ProjectHandles | None:
    """The handles, or None when there is no database to ask (said on standard error
    unless `quiet`)."""
    url = normalize_url(database_url(explicit_url))
    shown = url.render_as_string(hide_password=True)
    if explicit_url is None and url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path in ("", ":memory:") or not Path(path).exists():
            if quiet:
                return None
            print(
                f"casebot {command}: no database at {shown}, so @case- handles are not "
                "checked against projects (give --database-url, or --known-handle)",
                file=sys.stderr,
            )
            return None
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return project_handles(conn)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"casebot {command}: cannot read projects from {shown}: {reason}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        engine.dispose()
