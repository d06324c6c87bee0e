"""The `casebot` command.

Each subcommand lives in its own module of this package with a
`register(subparsers)` function that adds its parser and sets `handler`
(a callable taking the parsed namespace and returning the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from bot import __version__

# Modules of bot.cli that provide subcommands, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "keys",
    "serve",
    "webhooks",
    "replay",
    "inbox",
    "downtime",
    "tick",
    "groups",
    "report",
    "db",
    "project",
    "cases",
    "preview",
    "lint",
    "slack",
    "rules",
    "issues",
    "users",
    "destinations",
    "notifications",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with `command` only that subcommand's: each command module
    imports what its handler needs (SQLAlchemy, the services, the web app), so a
    command that loads only its own starts in about half the time, which scripts
    calling casebot in a loop notice. Its parsing, help and errors are the same."""
    parser = argparse.ArgumentParser(
        prog="casebot",
        description="Monitoring alerts in, cases out.",
    )
    parser.add_argument("--version", action="version", version=f"casebot {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES if command is None else (command,):
        module = importlib.import_module(f"bot.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    chosen = arguments[0] if arguments and arguments[0] in COMMAND_MODULES else None
    parser = build_parser(chosen)
    args = parser.parse_args(arguments)
    handler: Handler = args.handler
    try:
        code = handler(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`casebot cases show OPS-1 | head`): stop quietly, as
        # other command-line tools do, instead of printing a traceback. Python would
        # try to flush stdout again at exit, so point it at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command a pipe closed
    return code


if __name__ == "__main__":
    sys.exit(main())
