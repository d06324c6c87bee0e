"""`casebot destinations add|list|test|remove`: where notification rules send.

    casebot destinations add ops-hook --kind webhook --url https://hooks.example.com/casebot
    casebot destinations add ops-teams --kind teams --url https://….webhook.office.com/…
    casebot destinations add ops-pager --kind pagerduty --routing-key R0123…
    casebot destinations add ops-mail --kind email --address ops@example.com
    casebot destinations test ops-hook

A rule's recipient names a destination (HTTP `name`, MS_TEAMS_CHANNEL `channel_name`,
PAGERDUTY_SERVICE `service_name`). `test` sends a sample and prints the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.core.notifications import DestinationKind
from bot.services.destinations import Destinations
from bot.services.errors import CaseServiceError, InvalidChange
from bot.settings import ConfigError, Settings

_OPTIONS = {
    "url": "url",
    "secret": "secret",
    "address": "address",
    "routing_key": "routing_key",
    "events_url": "events_url",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "destinations",
        help="manage where notifications go (webhooks, e-mail, Teams, PagerDuty)",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    add = actions.add_parser("add", help="add a destination")
    add.add_argument("name", help="what rules call it (e.g. ops-hook)")
    add.add_argument("--kind", required=True, choices=[k.value for k in DestinationKind])
    add.add_argument("--url", help="webhook or Teams: the URL to POST to")
    add.add_argument("--secret", help="webhook: the signing secret (default: a new one)")
    add.add_argument("--address", help="email: the mailbox")
    add.add_argument("--routing-key", dest="routing_key", help="pagerduty: the integration key")
    add.add_argument(
        "--events-url",
        dest="events_url",
        help="pagerduty: the Events API v2 URL, if not PagerDuty's",
    )
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="list the destinations")
    listing.set_defaults(handler=_list)

    test = actions.add_parser("test", help="send a sample and print the answer")
    test.add_argument("name")
    test.add_argument("--to", help="email: send the sample to this address instead")
    test.set_defaults(handler=_test)

    remove = actions.add_parser("remove", help="remove a destination")
    remove.add_argument("name")
    remove.set_defaults(handler=_remove)
    for sub in (add, listing, test, remove):
        add_database_option(sub)


def _fail(error: Exception) -> int:
    if isinstance(error, InvalidChange):
        print(
            f"casebot destinations: --{error.field.replace('_', '-')}: {error.message}",
            file=sys.stderr,
        )
    else:
        print(f"casebot destinations: {error}", file=sys.stderr)
    return 1


def _add(args: argparse.Namespace) -> int:
    config = {key: getattr(args, attr) for key, attr in _OPTIONS.items() if getattr(args, attr)}
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            added = Destinations(conn, now=datetime.now(UTC)).add(args.name, args.kind, config)
    except CaseServiceError as error:
        return _fail(error)
    finally:
        engine.dispose()
    print(f"added {added.kind.value} destination {added.name}: {added.target}")
    if added.kind == DestinationKind.WEBHOOK and not args.secret:
        print(f"signing secret: {added.config['secret']}")
    return 0


def _list(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            found = Destinations(conn, now=datetime.now(UTC)).all()
    finally:
        engine.dispose()
    if not found:
        print("no destinations; add one with casebot destinations add")
        return 0
    rows = [("NAME", "KIND", "TARGET")]
    rows += [(d.name, d.kind.value, d.target) for d in found]
    print(format_table(rows))
    return 0


def _test(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env(database_url=args.database_url)
    except ConfigError as error:
        return _fail(error)
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            destination = Destinations(conn, now=datetime.now(UTC)).get(args.name)
    except CaseServiceError as error:
        return _fail(error)
    finally:
        engine.dispose()
    # Here, not at the top: httpx's imports would slow every casebot command.
    from bot.notify.http import DeliveryFailed
    from bot.notify.sample import send_sample

    try:
        answers = asyncio.run(
            send_sample(
                destination,
                settings.notify,
                public_url=settings.public_url,
                now=datetime.now(UTC),
                to=args.to,
            )
        )
    except DeliveryFailed as failure:
        print(f"{destination.name}: failed: {failure.reason}", file=sys.stderr)
        if failure.answer:
            print(f"answer: {failure.answer}", file=sys.stderr)
        return 1
    for answer in answers:
        print(f"{destination.name}: {answer}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            removed = Destinations(conn, now=datetime.now(UTC)).remove(args.name)
    except CaseServiceError as error:
        return _fail(error)
    finally:
        engine.dispose()
    print(f"removed {removed.kind.value} destination {removed.name}")
    return 0
