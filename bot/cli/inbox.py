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
from sqlalchemy import Engine, select

from bot.core.events import Source
from bot.core.inbox import Outcome
from bot.db.engine import make_engine
from bot.db.inbox import inbox
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery
from bot.settings import ConfigError, Settings
from bot.sources import SourceError

_i = inbox.c
RETRYABLE = (Outcome.FAILED.value, Outcome.PENDING.value)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("inbox", help="list stored deliveries, retry failed ones")
    commands = parser.add_subparsers(dest="inbox_command", metavar="COMMAND")
    commands.required = True

    listing = commands.add_parser("list", help="stored deliveries, newest first")
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
    query = select(
        _i.id, _i.source, _i.received_at, _i.outcome, _i.reason, _i.processed_at
    ).order_by(_i.id.desc())
    if args.outcome:
        query = query.where(_i.outcome.in_(args.outcome))
    try:
        with engine.connect() as conn:
            rows = conn.execute(query.limit(max(args.limit, 1))).all()
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
            }
            for r in rows
        ]
        sys.stdout.write(orjson.dumps(items, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if not rows:
        print("The inbox has no deliveries" + (" with that outcome." if args.outcome else "."))
    for r in rows:
        received = r.received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        reason = f"  {r.reason}" if r.reason else ""
        print(f"#{r.id:<6} {received}  {r.source:<12} {r.outcome:<9}{reason}")
    return 0


def retry_deliveries(args: argparse.Namespace) -> int:
    opened = _engine(args)
    if opened is None:
        return 2
    engine, settings = opened
    pipeline = Pipeline(sources=settings.sources)
    try:
        query = select(_i.id, _i.source, _i.body, _i.headers, _i.received_at, _i.outcome)
        with engine.connect() as conn:
            if args.id is not None:
                rows = conn.execute(query.where(_i.id == args.id)).all()
                if not rows:
                    print(f"casebot inbox: no delivery #{args.id}", file=sys.stderr)
                    return 1
                if rows[0].outcome not in RETRYABLE:
                    print(
                        f"casebot inbox: #{args.id} is {rows[0].outcome}; "
                        "only failed deliveries are retried",
                        file=sys.stderr,
                    )
                    return 1
            else:
                rows = conn.execute(query.where(_i.outcome.in_(RETRYABLE)).order_by(_i.id)).all()
        if not rows:
            print("No failed deliveries.")
            return 0
        still_failing = 0
        for row in rows:
            outcome, detail = _retry(engine, pipeline, row)
            still_failing += outcome == Outcome.FAILED.value
            print(f"#{row.id}: {outcome}" + (f" ({detail})" if detail else ""))
        return 1 if still_failing else 0
    finally:
        engine.dispose()


def _retry(engine: Engine, pipeline: Pipeline, row: Any) -> tuple[str, str | None]:
    now = datetime.now(UTC)
    delivery = Delivery(Source(row.source), bytes(row.body), row.received_at, dict(row.headers))
    try:
        events = pipeline.parse(delivery, now=now, verify=False)
    except SourceError as error:
        with engine.begin() as conn:
            reason = f"{error.field}: {error.message}"
            pipeline.mark(conn, row.id, Outcome.REJECTED, reason, now=now, errors=error.as_errors())
        return Outcome.REJECTED.value, reason
    try:
        with engine.begin() as conn:
            report = pipeline.process(conn, row.id, delivery.source, events, now=now)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        with engine.begin() as conn:
            pipeline.mark(conn, row.id, Outcome.FAILED, reason, now=now)
        return Outcome.FAILED.value, reason
    pipeline.announce([report])
    opened = [key for event in report.events for key in event.opened]
    return report.outcome.value, ("opened " + ", ".join(opened)) if opened else report.reason
