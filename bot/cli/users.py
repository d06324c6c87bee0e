"""`casebot users add|list|set-role|disable|enable|reset-password|sign-out`: console accounts.

Passwords are read from standard input (`--password-stdin`), never from the
command line, where other users of the machine could see them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.core.accounts import Role, SessionLimits
from bot.services.accounts import Account, AccountError, AccountService
from bot.services.sessions import SessionService


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "users",
        help="manage console accounts",
        description="People who sign in to the web console, and their roles "
        "(admin: also manages users and API keys; responder: changes cases; viewer: reads).",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="users_command", metavar="ACTION")

    add = actions.add_parser("add", help="add an account (the password comes on stdin)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    _password_option(add)
    add_database_option(add)
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="list accounts")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(listing)
    listing.set_defaults(handler=_list)

    role = actions.add_parser("set-role", help="change an account's role")
    role.add_argument("email")
    role.add_argument("role", choices=[role.value for role in Role])
    add_database_option(role)
    role.set_defaults(handler=_set_role)

    for name, help_text, handler in (
        ("disable", "disable an account and end its sessions", _disable),
        ("enable", "enable a disabled account", _enable),
        ("sign-out", "end every session of an account", _sign_out),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("email")
        add_database_option(action)
        action.set_defaults(handler=handler)

    reset = actions.add_parser(
        "reset-password", help="set a new password (stdin) and end the account's sessions"
    )
    reset.add_argument("email")
    _password_option(reset)
    add_database_option(reset)
    reset.set_defaults(handler=_reset_password)


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from the first line of standard input",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _now() -> datetime:
    return datetime.now(UTC)


def _run(args: argparse.Namespace, work: Any) -> tuple[int, Any]:
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            return 0, work(AccountService(conn, now=_now()), conn)
    except AccountError as error:
        print(f"casebot users: {error}", file=sys.stderr)
        return 1, None
    finally:
        engine.dispose()


def _add(args: argparse.Namespace) -> int:
    password = _read_password()
    code, account = _run(
        args,
        lambda service, _conn: service.add(
            email=args.email, name=args.name, role=args.role, password=password
        ),
    )
    if code == 0:
        print(f"Added {account.email} ({account.name}) as {account.role}.")
    return code


def account_json(account: Account) -> dict[str, Any]:
    return {
        "user_id": str(account.user_id),
        "email": account.email,
        "name": account.name,
        "role": account.role.value,
        "created_at": account.created_at.isoformat(),
        "disabled_at": account.disabled_at.isoformat() if account.disabled_at else None,
    }


def _list(args: argparse.Namespace) -> int:
    code, accounts = _run(args, lambda service, _conn: service.list())
    if code != 0:
        return code
    if args.format == "json":
        print(json.dumps([account_json(a) for a in accounts], indent=2))
        return 0
    if not accounts:
        print("No accounts yet. Add one with: casebot users add --email E --name N "
              "--role admin --password-stdin")  # fmt: skip
        return 0
    rows = [("EMAIL", "NAME", "ROLE", "STATUS")]
    rows += [
        (a.email, a.name, a.role.value, "active" if a.active else "disabled") for a in accounts
    ]
    print(format_table(rows))
    return 0


def _set_role(args: argparse.Namespace) -> int:
    code, account = _run(args, lambda service, _conn: service.set_role(args.email, args.role))
    if code == 0:
        print(f"{account.email} is now {account.role}.")
    return code


def _disable(args: argparse.Namespace) -> int:
    code, account = _run(args, lambda service, _conn: service.disable(args.email))
    if code == 0:
        print(f"Disabled {account.email}; its sessions have ended.")
    return code


def _enable(args: argparse.Namespace) -> int:
    code, account = _run(args, lambda service, _conn: service.enable(args.email))
    if code == 0:
        print(f"Enabled {account.email}.")
    return code


def _sign_out(args: argparse.Namespace) -> int:
    def work(service: AccountService, conn: Any) -> int:
        account = service.get(args.email)
        sessions = SessionService(conn, now=service.now, limits=SessionLimits())
        return sessions.end_all(account.user_id)

    code, ended = _run(args, work)
    if code == 0:
        print(f"Ended {ended} session(s) of {args.email.strip().lower()}.")
    return code


def _reset_password(args: argparse.Namespace) -> int:
    password = _read_password()
    code, account = _run(args, lambda service, _conn: service.reset_password(args.email, password))
    if code == 0:
        print(f"New password set for {account.email}; its sessions have ended.")
    return code
