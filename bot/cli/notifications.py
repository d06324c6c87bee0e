"""`casebot notifications outbox [--status S] [--limit N]` and `casebot notifications
retry ID`: what the notification outbox sent where, and sending a failed one again."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.services.destinations import Destinations


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "notifications",
        help="what notifications were sent where; retry a failed one",
        description=__doc__,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    outbox = actions.add_parser("outbox", help="list the outbox, newest first")
    outbox.add_argument("--status", choices=("pending", "sent", "failed"))
    outbox.add_argument("--limit", type=int, default=50)
    outbox.set_defaults(handler=_outbox)
    retry = actions.add_parser("retry", help="send a failed notification again")
    retry.add_argument("id", type=int)
    retry.set_defaults(handler=_retry)
    for sub in (outbox, retry):
        add_database_option(sub)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _outbox(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            service = Destinations(conn, now=datetime.now(UTC))
            names = {f"destination:{d.id}": d.name for d in service.all()}
            found = service.sent(status=args.status, limit=max(1, args.limit))
    finally:
        engine.dispose()
    if not found:
        print("the notification outbox is empty")
        return 0
    rows = [("ID", "CASE", "TO", "KIND", "STATUS", "TRIES", "CHANGES", "SENT", "ANSWER")]
    for message in found:
        recipient = message.route.recipient
        to = names.get(recipient, message.route.address or recipient)
        action = message.payload.get("action")
        kind = f"{message.route.kind} {action}" if action else message.route.kind
        outcome = message.last_error if message.status != "sent" and message.last_error else ""
        answer = " — ".join(part for part in (outcome, message.answer or "") if part)
        rows.append(
            (
                str(message.id),
                message.case_key,
                to,
                kind,
                message.status,
                str(message.attempts),
                str(len(message.payload.get("changes", []))),
                _when(message.sent_at),
                answer.replace("\n", " ")[:120],
            )
        )
    print(format_table(rows))
    return 0


def _retry(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            retried = Destinations(conn, now=datetime.now(UTC)).retry(args.id)
    finally:
        engine.dispose()
    if not retried:
        print(f"casebot notifications: no failed notification {args.id}", file=sys.stderr)
        return 1
    print(f"notification {args.id} will be sent again")
    return 0
