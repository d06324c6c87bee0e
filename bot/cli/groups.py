"""`casebot groups list [--stale]`: monitor groups and their alert cycles."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.services.groups import GroupReader, GroupSummary


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "groups",
        help="list monitor groups, the stale ones among them",
        description="Monitor groups as casebot knows them: state, alert cycle, last "
        "notification. A group in Alert or Warn silent for longer than its source repeats "
        "(CASEBOT_<SOURCE>_REPEAT_INTERVAL × CASEBOT_STALE_AFTER_REPEATS) is stale.",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="groups_command", metavar="ACTION")
    listing = actions.add_parser("list", help="list groups, the last notified first")
    listing.add_argument("--stale", action="store_true", help="only the groups marked stale")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(listing)
    listing.set_defaults(handler=_list)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def group_json(group: GroupSummary) -> dict[str, Any]:
    return {
        "source": group.source,
        "monitor_id": group.monitor_id,
        "monitor_name": group.monitor_name,
        "group": group.group,
        "state": group.state,
        "cycle": group.cycle,
        "last_notified_at": _time(group.last_notified_at),
        "stale_since": _time(group.stale_at),
    }


def _list(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.connect() as conn:
            found = GroupReader(conn).list(stale_only=args.stale, limit=args.limit)
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps([group_json(g) for g in found], indent=2))
        return 0
    if not found:
        print("No stale groups." if args.stale else "No monitor groups yet.")
        return 0
    rows: list[tuple[str, ...]] = [
        ("SOURCE", "MONITOR", "GROUP", "STATE", "CYCLE", "LAST NOTIFIED (UTC)", "STALE SINCE")
    ]
    for g in found:
        rows.append(
            (
                g.source,
                g.monitor_name or g.monitor_id,
                g.group,
                g.state,
                str(g.cycle),
                _short(g.last_notified_at),
                _short(g.stale_at),
            )
        )
    print(format_table(rows))
    return 0


def _short(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"
