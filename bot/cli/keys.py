"""`casebot keys create|list|revoke`: key pairs for the case API.

`create` prints the API key and the application key once; only their hashes
are stored, so a lost pair is revoked and replaced, never recovered.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bot.db.engine import database_url, make_engine
from bot.db.migrate import upgrade
from bot.services import keys as api_keys


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="create, list and revoke case API key pairs",
        description="Key pairs for the case API (DD-API-KEY and DD-APPLICATION-KEY).",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="keys_command", metavar="ACTION")

    create = actions.add_parser("create", help="create a key pair and print it once")
    create.add_argument("--name", required=True, help="what the pair is for, e.g. 'runbooks'")
    create.add_argument(
        "--scopes",
        default="cases_read",
        help="comma-separated: cases_read, cases_write (the case API's reads and changes), "
        "error_tracking_read, error_tracking_write (error tracking's), monitors_read, "
        "monitors_downtime (downtimes: read, schedule and cancel); default cases_read",
    )
    _common(create)
    create.set_defaults(handler=_create)

    listing = actions.add_parser("list", help="list key pairs (never their secrets)")
    _common(listing)
    listing.set_defaults(handler=_list)

    revoke = actions.add_parser("revoke", help="revoke a key pair by id (or a unique prefix)")
    revoke.add_argument("id", help="the key id shown by `casebot keys list`")
    _common(revoke)
    revoke.set_defaults(handler=_revoke)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="database URL (default: $CASEBOT_DATABASE_URL or sqlite:///casebot.db)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _now() -> datetime:
    return datetime.now(UTC)


def _key_json(key: api_keys.ApiKey) -> dict[str, Any]:
    return {
        "id": str(key.id),
        "name": key.name,
        "api_key_hint": f"...{key.api_key_hint}",
        "scopes": sorted(scope.value for scope in key.scopes),
        "user_id": str(key.user_id) if key.user_id else None,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def _create(args: argparse.Namespace) -> int:
    try:
        scopes = api_keys.parse_scopes(args.scopes.split(","))
    except api_keys.UnknownScope as exc:
        print(f"casebot keys create: {exc}", file=sys.stderr)
        return 2
    if not scopes:
        print("casebot keys create: --scopes names no scope", file=sys.stderr)
        return 2
    if not args.name.strip():
        print("casebot keys create: --name must not be empty", file=sys.stderr)
        return 2
    engine = make_engine(database_url(args.database_url))
    try:
        upgrade(engine)
        with engine.begin() as conn:
            pair = api_keys.create_key(conn, name=args.name.strip(), scopes=scopes, now=_now())
    finally:
        engine.dispose()
    if args.format == "json":
        document = _key_json(pair.key)
        document["api_key"] = pair.api_key
        document["application_key"] = pair.application_key
        print(json.dumps(document, indent=2))
        return 0
    print(f"Created key pair {pair.key.id} ({pair.key.name}), scopes: {args.scopes.strip()}")
    print(f"DD-API-KEY:         {pair.api_key}")
    print(f"DD-APPLICATION-KEY: {pair.application_key}")
    print("Store both now: casebot keeps only their hashes and cannot show them again.")
    return 0


def _list(args: argparse.Namespace) -> int:
    engine = make_engine(database_url(args.database_url))
    try:
        upgrade(engine)
        with engine.connect() as conn:
            keys = api_keys.list_keys(conn)
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps([_key_json(key) for key in keys], indent=2))
        return 0
    if not keys:
        print("No API keys. Create one with: casebot keys create --name NAME --scopes cases_read")
        return 0
    print(f"{'ID':36}  {'NAME':20}  {'API KEY':8}  {'SCOPES':24}  {'CREATED':20}  REVOKED")
    for key in keys:
        scopes = ",".join(sorted(scope.value for scope in key.scopes))
        revoked = key.revoked_at.strftime("%Y-%m-%d %H:%M:%SZ") if key.revoked_at else "-"
        print(
            f"{key.id!s:36}  {key.name[:20]:20}  ...{key.api_key_hint:5}  {scopes:24}  "
            f"{key.created_at.strftime('%Y-%m-%d %H:%M:%SZ'):20}  {revoked}"
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    engine = make_engine(database_url(args.database_url))
    try:
        upgrade(engine)
        with engine.begin() as conn:
            key = api_keys.revoke_key(conn, args.id, now=_now())
    except api_keys.KeyNotFound as exc:
        print(f"casebot keys revoke: {exc}; see `casebot keys list`", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps(_key_json(key), indent=2))
    else:
        print(f"Revoked key pair {key.id} ({key.name}).")
    return 0
