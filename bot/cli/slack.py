"""`casebot slack manifest|quiet|mirror|outbox`: set up the Slack app, look after delivery."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from bot.db.engine import database_url, make_engine
from bot.db.migrate import upgrade
from bot.services import channels, outbox
from bot.services.errors import CaseServiceError
from bot.services.projects import ProjectService
from bot.settings import ConfigError, Settings
from bot.slack.channels import channel_ref
from bot.slack.manifest import manifest


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "slack",
        help="the Slack app: manifest, quiet channels, outbox status",
        description="Set up and look after casebot's Slack app.",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="slack_command", metavar="ACTION")

    shown = actions.add_parser(
        "manifest", help="print the Slack app manifest (paste it at api.slack.com/apps)"
    )
    shown.add_argument(
        "--public-url",
        default=None,
        help="how Slack reaches this server (default: $CASEBOT_PUBLIC_URL, else "
        "http://$CASEBOT_HOST:$CASEBOT_PORT, i.e. http://127.0.0.1:8080)",
    )
    shown.add_argument("--name", default="casebot", help="the app's name in Slack")
    shown.add_argument(
        "--socket-mode", action="store_true", help="Socket Mode: no public URL needed"
    )
    shown.set_defaults(handler=_manifest)

    quiet = actions.add_parser(
        "quiet", help="no thread replies for state changes in a channel (the message still updates)"
    )
    quiet.add_argument("channel", help="channel name (ops-alerts or #ops-alerts) or id")
    quiet.add_argument("--off", action="store_true", help="turn thread replies back on")
    _database(quiet)
    quiet.set_defaults(handler=_quiet)

    mirror = actions.add_parser(
        "mirror", help="copy thread replies into a project's cases (on by default)"
    )
    mirror.add_argument("project", help="project handle, key or id")
    mirror.add_argument("--off", action="store_true", help="stop copying thread replies")
    _database(mirror)
    mirror.set_defaults(handler=_mirror)

    status = actions.add_parser(
        "outbox",
        help="what the Slack outbox did: calls pending, sent, failed, claimed, taken over",
    )
    _database(status)
    status.add_argument("--format", choices=("text", "json"), default="text")
    status.set_defaults(handler=_outbox)


def _database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="database URL (default: $CASEBOT_DATABASE_URL or sqlite:///casebot.db)",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _manifest(args: argparse.Namespace) -> int:
    if args.public_url and not args.public_url.startswith(("http://", "https://")):
        print(
            f"casebot: --public-url must be an http(s) URL, got {args.public_url!r}",
            file=sys.stderr,
        )
        return 2
    try:
        public_url = args.public_url or Settings.from_env().public_url
    except ConfigError as error:
        print(f"casebot: {error}", file=sys.stderr)
        return 2
    document = manifest(public_url, name=args.name, socket_mode=args.socket_mode)
    if not args.socket_mode and _loopback(public_url):
        print(
            f"casebot: the manifest points Slack at {public_url}, which Slack cannot reach; "
            "set CASEBOT_PUBLIC_URL to the address Slack can use, or print the manifest "
            "with --socket-mode",
            file=sys.stderr,
        )
    print(json.dumps(document, indent=2))
    return 0


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _quiet(args: argparse.Namespace) -> int:
    engine = make_engine(database_url(args.database_url))
    try:
        upgrade(engine)
        ref = channel_ref(args.channel)
        with engine.begin() as conn:
            channels.set_quiet(conn, ref, not args.off)
    finally:
        engine.dispose()
    state = "on" if args.off else "off"
    print(f"#{ref}: thread replies for state changes are {state}")
    return 0


def _mirror(args: argparse.Namespace) -> int:
    engine = make_engine(database_url(args.database_url))
    try:
        upgrade(engine)
        with engine.begin() as conn:
            service = ProjectService(conn, now=datetime.now(UTC))
            try:
                project = service.update(args.project, mirror_threads=not args.off)
            except CaseServiceError as error:
                print(f"casebot: {error}", file=sys.stderr)
                return 1
    finally:
        engine.dispose()
    state = "off" if args.off else "on"
    print(f"{project.key}: thread replies are copied to its cases: {state}")
    return 0


# The report's lines: (key, label, what it counts).
_REPORT = (
    ("pending", "pending", "calls waiting to be sent"),
    ("sent", "sent", "calls done"),
    ("failed", "failed", "calls Slack refused for good (kept with the error)"),
    ("claimed", "claimed", "claims taken by replicas before calling Slack"),
    ("taken_over", "taken over", "claims taken from a replica that stopped answering"),
    ("calls", "calls", "Slack calls made"),
    ("retried", "retried", "of which retries (429, 5xx, timeouts)"),
    ("found_in_slack", "found", "posts found in Slack after a lost answer, not sent again"),
    ("covered", "covered", "updates settled by a later call of the same message"),
    ("in_flight", "in flight", "claims held now"),
)


def _outbox(args: argparse.Namespace) -> int:
    engine = make_engine(database_url(args.database_url))
    try:
        upgrade(engine)
        with engine.connect() as conn:
            report = outbox.report(conn, now=datetime.now(UTC))
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps({key: n for key, n in report.items() if n}))
    else:
        for key, label, meaning in _REPORT:
            print(f"{label:10} {report[key]:>6}  {meaning}")
    return 0
