"""`casebot downtime add|list|cancel`: planned silence for monitor groups.

The same downtimes as the API's /api/v2/downtime (Datadog's Downtimes API v2).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.core.downtime_schedule import (
    OneTime,
    OneTimeSpec,
    RecurrenceSpec,
    RecurringSpec,
    ScheduleSpec,
    parse_duration,
)
from bot.core.downtimes import Downtime, MonitorIdentifier
from bot.core.invalid import Invalid
from bot.services.downtimes import DowntimeService, downtimes_changed
from bot.services.errors import CaseServiceError

EXAMPLES = """examples:
  casebot downtime add --scope 'env:prod AND service:web-store' --monitor-id 48213377 \\
      --duration 2h --message 'Deploying web-store'
  casebot downtime add --scope '*' --monitor-tag team:storage \\
      --rrule 'FREQ=WEEKLY;BYDAY=SU' --start 2026-12-06T02:00 --duration 4h \\
      --timezone Europe/Paris
  casebot downtime list --current
  casebot downtime cancel 5b0c6a1e-…"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "downtime",
        help="schedule, list and cancel downtimes (muted monitor groups)",
        description="While a downtime holds, the notifications of the monitor groups it "
        "covers open no case and post nothing; at its end, groups still alerting are "
        "notified.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="downtime_command", metavar="ACTION")

    add = actions.add_parser(
        "add",
        help="schedule a downtime",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument(
        "--scope",
        default="*",
        help="the groups, in the query language over their tags (default `*`: all)",
    )
    which = add.add_mutually_exclusive_group(required=True)
    which.add_argument("--monitor-id", type=int, help="the monitor's numeric id")
    which.add_argument(
        "--monitor-tag",
        action="append",
        help="a tag the monitors carry (repeat: all of them; `*`: every monitor; "
        "monitor_id:<id> names any monitor)",
    )
    add.add_argument(
        "--start",
        help="one-time: when it starts (ISO 8601 with offset; default now); "
        "recurring: local time of the first window, without offset",
    )
    add.add_argument("--end", help="one-time: when it ends (ISO 8601 with offset)")
    add.add_argument(
        "--duration", help="one-time: instead of --end (2h, 30m, 1d); recurring: each window"
    )
    add.add_argument("--rrule", help="recurring: an RRULE, e.g. FREQ=WEEKLY;BYDAY=SU")
    add.add_argument("--timezone", default="UTC", help="recurring: the RRULE's zone")
    add.add_argument("--message", help="why (shown in the inbox and on the cases)")
    add.add_argument(
        "--notify-end-states",
        default="alert,no data,warn",
        help="at its end, notify groups still in these states (default alert,no data,warn; "
        "'' for none)",
    )
    add.add_argument(
        "--notify-end-types",
        default="expired",
        help="which ends notify: expired, canceled (default expired)",
    )
    add.add_argument(
        "--mute-first-recovery",
        action="store_true",
        help="also mute the recovery of an alert that began before the downtime",
    )
    add.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(add)
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="list downtimes, newest first")
    listing.add_argument("--current", action="store_true", help="only those active now")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(listing)
    listing.set_defaults(handler=_list)

    cancel = actions.add_parser("cancel", help="cancel a downtime now")
    cancel.add_argument("id", metavar="ID", help="the downtime's id")
    add_database_option(cancel)
    cancel.set_defaults(handler=_cancel)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _time(text: str, what: str, *, local: bool = False) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(f"casebot downtime: {what}: not a date and time: {text!r}") from None
    if local and value.tzinfo is not None:
        raise SystemExit(f"casebot downtime: {what}: a recurrence's start has no offset")
    if not local and value.tzinfo is None:
        raise SystemExit(f"casebot downtime: {what}: give a UTC offset (e.g. Z or +01:00)")
    return value


def _list_of(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _schedule(args: argparse.Namespace, now: datetime) -> ScheduleSpec:
    if args.rrule:
        if not args.duration:
            raise SystemExit("casebot downtime: --rrule needs --duration (each window's length)")
        start = _time(args.start, "--start", local=True) if args.start else None
        return RecurringSpec(args.timezone, (RecurrenceSpec(args.rrule, args.duration, start),))
    start = _time(args.start, "--start") if args.start else now
    end = _time(args.end, "--end") if args.end else None
    if args.duration:
        if end is not None:
            raise SystemExit("casebot downtime: give --end or --duration, not both")
        length = parse_duration(args.duration)
        if isinstance(length, Invalid):
            raise SystemExit(f"casebot downtime: --duration: {length.message}")
        end = start + length
    return OneTimeSpec(start, end)


def downtime_json(downtime: Downtime, *, now: datetime) -> dict[str, Any]:
    window = downtime.current_window(now)
    return {
        "id": str(downtime.id),
        "status": downtime.status(now).value,
        "scope": downtime.scope,
        "monitor_identifier": downtime.monitor.as_json(),
        "message": downtime.message,
        "window": None
        if window is None
        else {
            "start": window.start.isoformat(),
            "end": window.end.isoformat() if window.end else None,
        },
        "recurring": not isinstance(downtime.schedule, OneTime),
        "notify_end_states": list(downtime.notify_end_states),
        "notify_end_types": list(downtime.notify_end_types),
        "canceled": downtime.canceled_at.isoformat() if downtime.canceled_at else None,
    }


def _add(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    monitor = (
        MonitorIdentifier(monitor_id=args.monitor_id)
        if args.monitor_id is not None
        else MonitorIdentifier(monitor_tags=tuple(args.monitor_tag))
    )
    schedule = _schedule(args, now)
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            downtime = DowntimeService(conn, now=now).create(
                scope=args.scope,
                monitor=monitor,
                schedule=schedule,
                message=args.message,
                mute_first_recovery=args.mute_first_recovery,
                notify_end_states=_list_of(args.notify_end_states),
                notify_end_types=_list_of(args.notify_end_types),
            )
    except CaseServiceError as error:
        print(f"casebot downtime: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    downtimes_changed()
    if args.format == "json":
        print(json.dumps(downtime_json(downtime, now=now), indent=2))
        return 0
    print(f"Scheduled downtime {downtime.id} ({downtime.status(now).value}).")
    print(format_table(_rows([downtime], now)))
    return 0


def _rows(found: list[Downtime], now: datetime) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("ID", "STATUS", "MONITOR", "SCOPE", "WINDOW", "MESSAGE")]
    for d in found:
        shown = downtime_json(d, now=now)
        window = shown["window"]
        span = "-" if window is None else f"{window['start']} → {window['end'] or 'never'}"
        monitor = d.monitor.monitor_id
        rows.append(
            (
                str(d.id),
                shown["status"],
                str(monitor) if monitor is not None else ",".join(d.monitor.monitor_tags),
                d.scope,
                span + (" (recurring)" if shown["recurring"] else ""),
                d.message or "",
            )
        )
    return rows


def _list(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    engine = open_database(args)
    try:
        with engine.connect() as conn:
            found, _total = DowntimeService(conn, now=now).list(
                now=now, current_only=args.current, limit=args.limit
            )
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps([downtime_json(d, now=now) for d in found], indent=2))
        return 0
    if not found:
        print("No downtimes." if not args.current else "No downtime is active now.")
        return 0
    print(format_table(_rows(found, now)))
    return 0


def _cancel(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            downtime = DowntimeService(conn, now=now).cancel(args.id)
    except CaseServiceError as error:
        print(f"casebot downtime: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    downtimes_changed()
    print(f"Canceled downtime {downtime.id}.")
    if "canceled" in downtime.notify_end_types:
        print("Groups it muted that still alert are notified at the scheduler's next round.")
    return 0
