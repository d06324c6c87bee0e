"""`casebot issues list|case|default-project`: error-tracking issues from the command line.

`case ID` creates a case from an issue (in the project the first matching
rule picks, else `--project`, else the error-tracking default) or, with
`--case KEY`, links the issue to that case. `default-project KEY` marks the
project that cases of unrouted issues go to.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.core.cases import Actor, ActorSource
from bot.core.issues import IssueState
from bot.core.query import QuerySyntaxError, parse
from bot.errortracking import IssueService, with_issue_sync
from bot.services.errors import CaseServiceError
from bot.services.projects import ProjectService

CLI_ACTOR = Actor(ActorSource.CLI, None, "casebot issues")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "issues",
        help="list error-tracking issues, make or link their cases",
        description="Error-tracking issues and the cases they are linked to.",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="issues_command", metavar="ACTION")

    listing = actions.add_parser("list", help="list issues, most frequent first")
    listing.add_argument("--query", default=None, help="e.g. 'service:web-store state:open'")
    listing.add_argument(
        "--state", action="append", default=[], help="FOR REVIEW, REVIEWED, RESOLVED, ..."
    )
    listing.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(listing)
    listing.set_defaults(handler=_list)

    case = actions.add_parser("case", help="create a case from an issue, or link it to one")
    case.add_argument("id", help="the issue id")
    where = case.add_mutually_exclusive_group()
    where.add_argument("--project", default=None, help="project for a new case (key or handle)")
    where.add_argument("--case", default=None, help="link to this existing case (key or id)")
    add_database_option(case)
    case.set_defaults(handler=_case)

    default = actions.add_parser(
        "default-project", help="mark the project cases of unrouted issues go to"
    )
    default.add_argument("project", help="project key or handle")
    add_database_option(default)
    default.set_defaults(handler=_default_project)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _now() -> datetime:
    return datetime.now(UTC)


def _list(args: argparse.Namespace) -> int:
    try:
        states = [IssueState.parse(text) for text in args.state]
        node = parse(args.query) if args.query else None
    except (ValueError, QuerySyntaxError) as error:
        print(f"casebot: {error}", file=sys.stderr)
        return 2
    engine = open_database(args)
    try:
        with engine.connect() as conn:
            issues = IssueService(conn, now=_now()).search(query=node, states=states)
    finally:
        engine.dispose()
    if args.format == "json":
        rows_json = [
            {
                "id": str(i.id),
                "title": i.title,
                "service": i.service,
                "team": i.team,
                "state": i.state.value,
                "count": i.occurrences,
                "case_id": str(i.case_id) if i.case_id else None,
            }
            for i in issues
        ]
        print(json.dumps(rows_json, indent=2))
        return 0
    if not issues:
        print("No issues.")
        return 0
    rows = [("ID", "STATE", "COUNT", "SERVICE", "TEAM", "TITLE")]
    rows += [
        (str(i.id), i.state.label, str(i.occurrences), i.service, i.team or "-", i.title)
        for i in issues
    ]
    print(format_table(rows))
    return 0


def _case(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            service = IssueService(conn, now=_now(), listeners=with_issue_sync(()))
            if args.case is not None:
                case = service.link(args.id, args.case, actor=CLI_ACTOR)
                verb = "Linked to"
            else:
                case = service.create_case(args.id, actor=CLI_ACTOR, project=args.project)
                verb = "Created"
    except CaseServiceError as error:
        print(f"casebot: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"{verb} case {case.key} ({case.status.status_name}): {case.title}")
    return 0


def _default_project(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            projects = ProjectService(conn, now=_now())
            project = projects.update(projects.get(args.project), is_error_tracking_default=True)
    except CaseServiceError as error:
        print(f"casebot: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Cases of issues no rule routes now go to {project.key}.")
    return 0
