"""`casebot serve`: the webhook server (and whatever else the app mounts) under uvicorn."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.core.events import Source
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.settings import ConfigError, Settings
from bot.web.webhook_token import ensure_token

# The bundled example deliveries, when run from a checkout (`make run`).
EXAMPLES = Path("examples/deliveries")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP server: webhooks, health, metrics",
        description="Migrate the database, then serve the webhooks at /webhooks/<source>.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL (default $CASEBOT_DATABASE_URL, else sqlite:///casebot.db)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env(database_url=args.database_url)
    except ConfigError as error:
        print(f"casebot serve: {error}", file=sys.stderr)
        return 2
    settings = prepare(settings)
    base = settings.public_url or f"http://{_display_host(args.host)}:{args.port}"
    print_welcome(settings, base, sys.stdout)

    import uvicorn

    from bot.web.app import create_app

    # The event loop and the writer thread share the GIL: a shorter switch interval lets
    # the loop take requests while the writer works through a batch (latency, and bigger
    # next batches), instead of waiting up to the default 5 ms.
    sys.setswitchinterval(0.0005)
    # Migrations ran in `prepare`; the app need not run them again.
    app = create_app(settings, migrate=False)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        loop="auto",
        http="auto",
        # The console's live pages hold event streams open (up to 50 s each): stop
        # waiting for them after this, as for any request still running.
        timeout_graceful_shutdown=5,
    )
    return 0


def prepare(settings: Settings) -> Settings:
    """Migrate the database and settle the webhook token (generated once, then stored)."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        token = ensure_token(engine, settings.webhook_token)
    finally:
        engine.dispose()
    return replace(settings, webhook_token=token)


def print_welcome(settings: Settings, base: str, out: TextIO) -> None:
    token = settings.webhook_token
    out.write(f"casebot: database {settings.database_url}\n")
    out.write("casebot: webhook URLs (send `Authorization: Bearer <token>` or `?token=<token>`):\n")
    for source in Source:
        out.write(f"  {source.value:<13} {base}/webhooks/{source.value}\n")
    out.write(f"casebot: webhook token {token}\n")
    out.write(f"casebot: health {base}/healthz   metrics {base}/metrics\n")
    out.write(
        f"casebot: console {base}/ (an account: casebot users add --email E --name N "
        "--role admin --password-stdin)\n"
    )
    if EXAMPLES.is_dir():
        out.write(f"casebot: send the example deliveries: {EXAMPLES}/send.sh {token} {base}\n")
    else:
        out.write(
            f"casebot: try  curl -H 'Authorization: Bearer {token}' "
            f"--data-binary @alert.json {base}/webhooks/generic\n"
        )
    out.flush()


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host
