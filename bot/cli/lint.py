"""`casebot lint FILE…`: problems in monitor messages, as FILE:LINE:COL diagnostics."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.preview import read_source
from handles.lint import ERROR, lint


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check monitor messages; exit 1 on any error",
        description=(
            "Print FILE:LINE:COL: severity: message for each problem in the given "
            "monitor messages. Exits 1 when any error is found."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="message files, - for stdin")
    parser.add_argument(
        "--known-handle",
        action="append",
        default=[],
        metavar="@KIND-NAME",
        help="a handle that exists, e.g. @case-storage; handles of the same kind that are "
        "not listed are reported (repeatable)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    errors = 0
    for name in args.files:
        try:
            source = read_source(name)
        except OSError as exc:
            print(f"{name}: error: cannot read: {exc.strerror or exc}", file=sys.stderr)
            errors += 1
            continue
        label = "<stdin>" if name == "-" else name
        for diagnostic in lint(source, known_handles=args.known_handle):
            print(diagnostic.format(label))
            errors += diagnostic.severity == ERROR
    return 1 if errors else 0
