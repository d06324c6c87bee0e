"""`casebot serve`: the HTTP server (webhooks, the case API, the console, Slack) under uvicorn."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.core.events import Source
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.settings import DEFAULT_HOST, DEFAULT_PORT, ConfigError, Settings
from bot.web import access_log
from bot.web.webhook_token import ensure_token

# The bundled example deliveries, when run from a checkout (`make run`).
EXAMPLES = Path("examples/deliveries")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP server: webhooks, case API, console, Slack, health, metrics",
        description=(
            "Migrate the database, then serve everything: the webhooks at /webhooks/<source>, "
            "the case API at /api/v2, the console at /, Slack at /slack/events."
        ),
    )
    parser.add_argument(
        "--host",
        default=None,
        help=f"address to listen on (default $CASEBOT_HOST, else {DEFAULT_HOST})",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port to listen on (default $CASEBOT_PORT, else {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL (default $CASEBOT_DATABASE_URL, else sqlite:///casebot.db)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="info (the default) logs one line per request; warning and above do not",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env(database_url=args.database_url, host=args.host, port=args.port)
    except ConfigError as error:
        print(f"casebot serve: {error}", file=sys.stderr)
        return 2
    settings = prepare(settings)
    print_welcome(settings, sys.stdout)

    import uvicorn

    from bot.cli.draining_server import DrainingServer
    from bot.web.app import create_app

    # The event loop and the writer thread share the GIL: a shorter switch interval lets
    # the loop take requests while the writer works through a batch (latency, and bigger
    # next batches), instead of waiting up to the default 5 ms.
    sys.setswitchinterval(0.0005)
    # Migrations ran in `prepare`; the app need not run them again.
    web = create_app(settings, migrate=False)
    config = uvicorn.Config(
        access_log.AccessLog(web, access_log.configure(args.log_level)),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        access_log=False,
        loop="auto",
        http="auto",
        # The console's live pages hold event streams open (up to 50 s each): stop
        # waiting for them after this, as for any request still running.
        timeout_graceful_shutdown=5,
    )
    server = DrainingServer(config, web)
    server.run()
    # uvicorn's own code for a server that never started (the port taken, say).
    return 0 if server.started else 3


def prepare(settings: Settings) -> Settings:
    """Migrate the database and settle the webhook token (generated once, then stored)."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        token = ensure_token(engine, settings.webhook_token)
    finally:
        engine.dispose()
    return replace(settings, webhook_token=token)


def print_welcome(settings: Settings, out: TextIO) -> None:
    """Every entry point of the server, with the commands that open the doors."""
    token = settings.webhook_token
    base = settings.public_url
    lines = [
        f"casebot: database {settings.database_url}",
        f"casebot: listening on {settings.host}:{settings.port}, reached at {base} "
        "(CASEBOT_PUBLIC_URL)",
        "casebot: webhook URLs (send `Authorization: Bearer <token>` or `?token=<token>`):",
        *(f"  {source.value:<13} {base}/webhooks/{source.value}" for source in Source),
        f"casebot: webhook token {token}",
        f"casebot: case API {base}/api/v2 (a key pair: casebot keys create --name scripts "
        "--scopes cases_read,cases_write)",
        f"casebot: OpenAPI  {base}/openapi.json   browsable at {base}/docs",
        f"casebot: console  {base}/ (an account: casebot users add --email you@example.com "
        "--name You --role admin --password-stdin)",
        f"casebot: Slack    {_slack(settings, base)}",
        f"casebot: health   {base}/healthz   ready {base}/readyz   metrics {base}/metrics",
    ]
    if EXAMPLES.is_dir():
        lines.append(f"casebot: send the example deliveries: {EXAMPLES}/send.sh {token} {base}")
    else:
        lines.append(
            f"casebot: try  curl -H 'Authorization: Bearer {token}' "
            f"--data-binary @alert.json {base}/webhooks/generic"
        )
    out.write("\n".join(lines) + "\n")
    out.flush()


def _slack(settings: Settings, base: str) -> str:
    if settings.slack.socket_mode:
        return "on, Socket Mode"
    if settings.slack.enabled:
        return f"on, {base}/slack/events"
    return f"off ({settings.slack.off_reason()}); when on, Slack calls {base}/slack/events"
