"""`casebot tick [--at TIME]`: one round of the scheduler now, as the server runs every minute.

Downtimes that ended notify the groups they muted. Useful where the server's
own scheduler is off (CASEBOT_TICK_SECONDS=0), and to try time-based rules.
With Slack configured, what the round posts is queued in the outbox for the
server to send.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.errortracking import with_issue_sync
from bot.pipeline import Pipeline
from bot.pipeline.tick import tick
from bot.settings import ConfigError, Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tick",
        help="run one round of the scheduler (downtimes, inactive cases, stale groups)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument(
        "--at", help="the round's time (ISO 8601 with offset; default now)", default=None
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env(database_url=args.database_url)
    except ConfigError as error:
        print(f"casebot tick: {error}", file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    if args.at:
        try:
            now = datetime.fromisoformat(args.at.replace("Z", "+00:00"))
        except ValueError:
            print(f"casebot tick: --at: not a date and time: {args.at!r}", file=sys.stderr)
            return 2
        if now.tzinfo is None:
            print("casebot tick: --at: give a UTC offset (e.g. Z)", file=sys.stderr)
            return 2
    # Here, not at the top: the Slack app's imports would slow every casebot command.
    from bot.slack import server as slack_server

    engine = open_database(args)
    try:
        links = slack_server.case_links(engine, settings.public_url)
        # Without Slack, nothing to queue (and no warning: a round needs no Slack).
        slack = (
            slack_server.outbound(settings.slack, engine, links) if settings.slack.enabled else None
        )
        # Slack's messages follow what the round changes; on PostgreSQL the servers'
        # open pages do too (the database tells them: bot/services/shared_case_feed.py).
        listeners = with_issue_sync([*(slack.case_listeners if slack else ())])
        pipeline = Pipeline(
            sources=settings.sources,
            case_listeners=listeners,
            notification_listeners=slack.notification_listeners if slack else (),
        )
        report = tick(engine, pipeline, now=now)
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps(report.as_json(), indent=2))
        return 0
    if not report.claimed:
        print("Another server is doing this round; nothing done here.")
        return 0
    print(f"Round at {now.isoformat()}:")
    if not report.resumed and not report.inactive and not report.stale:
        print("  nothing to do")
    for group in report.stale:
        print(f"  stale: {group}")
    for key in report.inactive:
        print(f"  closed for inactivity: {key}")
    for resumed in report.resumed:
        opened = ", ".join(resumed.opened) or "no case"
        print(f"  downtime ended: {resumed.monitor_id} {resumed.group} ({resumed.state}): {opened}")
    return 0
