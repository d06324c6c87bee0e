"""`casebot inbox list|retry`: see stored deliveries, and run failed ones again.

A delivery whose processing failed after it was accepted stays in the inbox
as `failed`, with the error. `retry` runs it through the pipeline again (the
signature was checked when it arrived, so it is not checked again); the rules
make this safe to repeat: what was already applied is a duplicate or late.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine

from bot.cli.table import format_table
from bot.db.engine import make_engine
from bot.errortracking import with_issue_sync
from bot.pipeline import Pipeline
from bot.pipeline.retry import retry
from bot.services.inbox import RETRYABLE, InboxEntry, InboxReader, Outcome
from bot.settings import ConfigError, Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("inbox", help="list stored deliveries, retry failed ones")
    commands = parser.add_subparsers(dest="inbox_command", metavar="COMMAND")
    commands.required = True

    listing = commands.add_parser(
        "list", help="stored deliveries, newest first, and the cases each opened, updated, closed"
    )
    listing.add_argument(
        "--outcome",
        action="append",
        choices=[o.value for o in Outcome],
        help="only these outcomes (repeatable)",
    )
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    listing.add_argument("--database-url")
    listing.set_defaults(handler=list_deliveries)

    retry = commands.add_parser("retry", help="process failed deliveries again")
    retry.add_argument("id", nargs="?", type=int, help="one inbox id (default: every failed one)")
    retry.add_argument("--database-url")
    retry.set_defaults(handler=retry_deliveries)


def _engine(args: argparse.Namespace) -> tuple[Engine, Settings] | None:
    try:
        settings = Settings.from_env(database_url=args.database_url)
    except ConfigError as error:
        print(f"casebot inbox: {error}", file=sys.stderr)
        return None
    return make_engine(settings.database_url), settings


def list_deliveries(args: argparse.Namespace) -> int:
    opened = _engine(args)
    if opened is None:
        return 2
    engine, _ = opened
    try:
        with engine.connect() as conn:
            rows = InboxReader(conn).latest(outcomes=tuple(args.outcome or ()), limit=args.limit)
    finally:
        engine.dispose()
    if args.format == "json":
        items: list[dict[str, Any]] = [
            {
                "id": r.id,
                "source": r.source,
                "received_at": r.received_at.isoformat(),
                "outcome": r.outcome,
                "reason": r.reason,
                "cases": {"opened": r.opened, "updated": r.updated, "closed": r.closed},
            }
            for r in rows
        ]
        sys.stdout.write(orjson.dumps(items, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if not rows:
        print("The inbox has no deliveries" + (" with that outcome." if args.outcome else "."))
        return 0
    table = [("ID", "RECEIVED (UTC)", "SOURCE", "OUTCOME", "CASES", "NOTE")]
    table += [
        (
            f"#{r.id}",
            r.received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            r.source,
            r.outcome,
            _cases(r),
            r.reason or "",
        )
        for r in rows
    ]
    print(format_table(table))
    return 0


def _cases(entry: InboxEntry) -> str:
    """`opened STORAGE-1; closed STORAGE-2, STORAGE-3`, or `-`."""
    parts = [
        f"{verb} {', '.join(keys)}"
        for verb, keys in (
            ("opened", entry.opened),
            ("updated", entry.updated),
            ("closed", entry.closed),
        )
        if keys
    ]
    return "; ".join(parts) or "-"


def retry_deliveries(args: argparse.Namespace) -> int:
    opened = _engine(args)
    if opened is None:
        return 2
    engine, settings = opened
    # The case listeners, built once: without a server, issue sync alone.
    pipeline = Pipeline(sources=settings.sources, case_listeners=with_issue_sync(()))
    try:
        with engine.connect() as conn:
            reader = InboxReader(conn)
            if args.id is not None:
                one = reader.get(args.id)
                if one is None:
                    print(f"casebot inbox: no delivery #{args.id}", file=sys.stderr)
                    return 1
                if one.outcome not in RETRYABLE:
                    print(
                        f"casebot inbox: #{args.id} is {one.outcome}; "
                        "only failed deliveries are retried",
                        file=sys.stderr,
                    )
                    return 1
                rows = [one]
            else:
                rows = reader.retryable()
        if not rows:
            print("No failed deliveries.")
            return 0
        still_failing = 0
        for row in rows:
            done = retry(engine, pipeline, row, now=datetime.now(UTC))
            still_failing += done.failed
            print(f"#{row.id}: {done.outcome}" + (f" ({done.detail})" if done.detail else ""))
        return 1 if still_failing else 0
    finally:
        engine.dispose()
