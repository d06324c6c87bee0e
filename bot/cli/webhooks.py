"""`casebot webhooks [show|token|url]`: where senders post, and the token they present.

The same lines `casebot serve` prints at start-up, for when they have scrolled away;
`token` and `url` print one value each, for scripts (examples/deliveries/send.sh).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.core.events import Source
from bot.settings import ConfigError, Settings
from bot.web.webhook_token import ensure_token


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "webhooks",
        help="print the webhook URLs and token",
        description=(
            "Print where alert sources post (CASEBOT_PUBLIC_URL/webhooks/<source>) and the "
            "token they present: the one in CASEBOT_WEBHOOK_TOKEN, else the one the "
            "database keeps (made at the first start)."
        ),
    )
    parser.add_argument(
        "what",
        nargs="?",
        choices=("show", "token", "url"),
        default="show",
        help="show (default): every URL and the token; token: the token alone; url: the "
        "base URL alone",
    )
    add_database_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env(database_url=args.database_url)
    except ConfigError as error:
        print(f"casebot webhooks: {error}", file=sys.stderr)
        return 2
    base = settings.public_url
    if args.what == "url":
        print(base)
        return 0
    engine = open_database(args)
    try:
        token = ensure_token(engine, settings.webhook_token)
    finally:
        engine.dispose()
    if args.what == "token":
        print(token)
        return 0
    print(f"token         {token}")
    for source in Source:
        print(f"{source.value:<13} {base}/webhooks/{source.value}")
    return 0
