"""`casebot lint FILE…`: problems in monitor messages, as FILE:LINE:COL diagnostics.

`@case-` handles are checked against the projects of the database (see
`bot.cli.project_handles`) and any `--known-handle`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli import project_handles
from bot.cli.message_file import read_source
from bot.services.messages import check
from handles.lint import ERROR, Diagnostic


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check monitor messages; exit 1 on any error",
        description=(
            "Print FILE:LINE:COL: severity: message for each problem in the given "
            "monitor messages. Exits 1 when any error is found. @case- handles are "
            "checked against the projects in the database."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="message files, - for stdin")
    parser.add_argument(
        "--known-handle",
        action="append",
        default=[],
        metavar="@KIND-NAME",
        help="a handle that exists, e.g. @case-storage or @slack-ops-alerts; handles of the "
        "same kind that are not listed are reported (repeatable)",
    )
    project_handles.add_option(parser)
    parser.set_defaults(handler=run)


def diagnostics(
    text: str, known: list[str], projects: project_handles.ProjectHandles | None
) -> list[Diagnostic]:
    """Lint's diagnostics, with the projects' handles known (bot/services/messages.py)."""
    return check(text, known, projects)


def run(args: argparse.Namespace) -> int:
    # Handles given by hand are checked; with none of kind case, say that @case- ones are not.
    quiet = any(handle.startswith("@case-") for handle in args.known_handle)
    projects = project_handles.load(args.database_url, "lint", quiet=quiet)
    errors = 0
    for name in args.files:
        try:
            source = read_source(name)
        except OSError as exc:
            print(f"{name}: error: cannot read: {exc.strerror or exc}", file=sys.stderr)
            errors += 1
            continue
        label = "<stdin>" if name == "-" else name
        for diagnostic in diagnostics(source, args.known_handle, projects):
            print(diagnostic.format(label))
            errors += diagnostic.severity == ERROR
    return 1 if errors else 0
