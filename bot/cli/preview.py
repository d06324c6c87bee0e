"""`casebot preview FILE|-`: what a monitor message does on every transition.

The text is shown as a person reads it in Slack (`&gt;` as `>`); problems lint
finds come first, and a `@case-` handle no project has is marked where it fires.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli import project_handles
from bot.cli.message_file import read_source
from bot.services.messages import as_read, preview_message
from handles import TRANSITIONS, transition_by_name, transition_name
from handles.preview import PreviewRow

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


def register(subparsers: Any) -> None:
    names = ", ".join(transition_name(t) for t in TRANSITIONS)
    parser = subparsers.add_parser(
        "preview",
        help="show the handles and text a message produces on each transition",
        description=(
            "Render a monitor message for every transition (or those named) and show "
            "which handles fire."
        ),
        epilog=f"Transitions: {names}; also <state>-to-<state> and <state>-renotify.",
    )
    parser.add_argument("file", metavar="FILE", help="message file, or - for standard input")
    parser.add_argument(
        "--tag", action="append", default=[], metavar="K:V", help="a group tag (repeatable)"
    )
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template variable, e.g. value=93.5 or host.name=web-1 (repeatable)",
    )
    parser.add_argument("--priority", type=str.upper, choices=PRIORITIES, default=None)
    parser.add_argument(
        "--transition",
        action="append",
        default=[],
        metavar="NAME",
        help="only this transition, e.g. ok-to-alert (repeatable)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--known-handle",
        action="append",
        default=[],
        metavar="@KIND-NAME",
        help="a handle that exists besides the projects' (repeatable), as for casebot lint",
    )
    project_handles.add_option(parser)
    parser.set_defaults(handler=run)


def _variables(pairs: list[str]) -> dict[str, str | int | float]:
    values: dict[str, str | int | float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--var {pair!r} is not NAME=VALUE")
        values[name.strip()] = value
    return values


def _tags(tags: list[str]) -> tuple[str, ...]:
    for tag in tags:
        if not tag.strip():
            raise ValueError("--tag needs a value such as env:prod")
    return tuple(tag.strip() for tag in tags)


def _row_json(row: PreviewRow) -> dict[str, object]:
    previous = row.transition.previous
    return {
        "transition": {
            "from": None if previous is None else previous.value,
            "to": row.transition.current.value,
            "renotify": row.transition.renotify,
        },
        "handles": [{"kind": m.kind, "name": m.name, "raw": m.raw} for m in row.mentions],
        "text": row.text,
        "priority": row.priority,
    }


def _handle(raw: str, unknown: dict[str, str]) -> str:
    return f"{raw} ({unknown[raw]})" if raw in unknown else raw


def _row_text(row: PreviewRow, unknown: dict[str, str]) -> str:
    t = row.transition
    previous = "new" if t.previous is None else t.previous.value
    what = f"{t.current.value}, renotification" if t.renotify else f"{previous} -> {t.current}"
    handles = " ".join(_handle(m.raw, unknown) for m in row.mentions) or "(none)"
    lines = [f"== {row.name} ({what})", f"handles:  {handles}"]
    if row.priority:
        lines.append(f"priority: {row.priority}")
    lines.extend(f"warning:  {warning}" for warning in row.warnings)
    body = as_read(row.text).strip("\n")
    if body:
        lines.extend(f"  | {line}".rstrip() for line in body.splitlines())
    else:
        lines.append("  (empty)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        source = read_source(args.file)
    except OSError as exc:
        print(f"casebot preview: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        transitions = [transition_by_name(n) for n in args.transition] or list(TRANSITIONS)
        tags, values = _tags(args.tag), _variables(args.var)
    except ValueError as exc:
        print(f"casebot preview: {exc}", file=sys.stderr)
        return 2
    projects = project_handles.load(args.database_url, "preview", quiet=True)
    # Without any data, made-up values make the preview read like a notification.
    result = preview_message(
        source,
        tags=tags,
        values=values,
        priority=args.priority,
        transitions=transitions,
        known=args.known_handle,
        projects=projects,
    )
    if result.syntax_error is not None:
        bad = result.syntax_error
        hint = f" ({bad.suggestion})" if bad.suggestion else ""
        print(f"{args.file}:{bad.line}:{bad.col}: error: {bad.message}{hint}", file=sys.stderr)
        return 1
    if result.error is not None:
        print(f"{args.file}: error: {result.error}", file=sys.stderr)
        return 1
    problems, rows = result.problems, result.rows
    label = "<stdin>" if args.file == "-" else args.file
    if args.format == "json":
        for problem in problems:
            print(problem.format(label), file=sys.stderr)
        json.dump([_row_json(row) for row in rows], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for problem in problems:
        print(problem.format(label))
    if problems:
        print()
    if result.sample:
        print("(sample values; pass --tag and --var to use your own)\n")
    unknown = dict(result.marks)
    print("\n\n".join(_row_text(row, unknown) for row in rows))
    return 0
