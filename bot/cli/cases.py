"""`casebot cases list|show`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.core.cases import Case, CaseStatus, Invalid, Project, TimelineEntry, parse_status
from bot.services.cases import CaseService
from bot.services.errors import CaseServiceError
from bot.services.projects import ProjectService


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "cases",
        help="list and show cases",
        description="Read cases and their timelines.",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="cases_command", metavar="ACTION")

    listing = actions.add_parser("list", help="list cases, newest first")
    listing.add_argument("--project", default=None, help="project handle, key or id")
    listing.add_argument(
        "--status", default=None, help="OPEN, IN_PROGRESS or CLOSED (or Open, In Progress...)"
    )
    listing.add_argument("--archived", action="store_true", help="include archived cases")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(listing)
    listing.set_defaults(handler=_list)

    show = actions.add_parser("show", help="show one case and its timeline")
    show.add_argument("key", metavar="KEY", help="case key (OPS-12) or id")
    show.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(show)
    show.set_defaults(handler=_show)


def case_json(case: Case, *, project_key: str | None = None) -> dict[str, Any]:
    return {
        "id": str(case.id),
        "key": case.key,
        "project_id": str(case.project_id),
        **({"project": project_key} if project_key else {}),
        "number": case.number,
        "title": case.title,
        "description": case.description,
        "type": case.type,
        "status": case.status.value,
        "status_name": case.status.status_name,
        "priority": case.priority.value,
        "assignee_id": str(case.assignee_id) if case.assignee_id else None,
        "attributes": {key: list(values) for key, values in case.attributes.items()},
        "creation_source": case.creation_source,
        "created_by": str(case.created_by) if case.created_by else None,
        "closing_reason": case.closing_reason,
        "created_at": case.created_at.isoformat(),
        "modified_at": case.modified_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "archived_at": case.archived_at.isoformat() if case.archived_at else None,
    }


def timeline_json(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "transition": entry.transition,
        "actor": {
            "source": entry.actor.source,
            "name": entry.actor.name,
            "user_id": str(entry.actor.user_id) if entry.actor.user_id else None,
        },
        "body": entry.body,
        "data": entry.data,
        "created_at": entry.created_at.isoformat(),
    }


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _fail(message: str) -> int:
    print(f"casebot: {message}", file=sys.stderr)
    return 1


def _list(args: argparse.Namespace) -> int:
    statuses: list[CaseStatus] = []
    if args.status is not None:
        status = parse_status(args.status)
        if isinstance(status, Invalid):
            return _fail(status.message)
        statuses.append(status)
    engine = open_database(args)
    now = datetime.now(UTC)
    try:
        with engine.connect() as conn:
            projects = ProjectService(conn, now=now)
            project_id = projects.get(args.project).id if args.project else None
            keys = {p.id: p.key for p in projects.list()}
            found = CaseService(conn, now=now).list_cases(
                project_id=project_id, statuses=statuses, include_archived=args.archived
            )
    except CaseServiceError as error:
        return _fail(str(error))
    finally:
        engine.dispose()
    if args.format == "json":
        print(
            json.dumps([case_json(c, project_key=keys.get(c.project_id)) for c in found], indent=2)
        )
        return 0
    if not found:
        print("No cases.")
        return 0
    rows = [("KEY", "STATUS", "PRIORITY", "CREATED", "TITLE")]
    rows += [
        (
            c.key,
            c.status.value + (" (archived)" if c.archived_at else ""),
            c.priority.value,
            c.created_at.strftime("%Y-%m-%d %H:%M"),
            c.title,
        )
        for c in found
    ]
    print(format_table(rows))
    return 0


def _show(args: argparse.Namespace) -> int:
    engine = open_database(args)
    now = datetime.now(UTC)
    try:
        with engine.connect() as conn:
            service = CaseService(conn, now=now)
            case = service.get(args.key)
            timeline = service.timeline(case.id)
            project = ProjectService(conn, now=now).get(case.project_id)
            assignee = service.get_user(case.assignee_id).name if case.assignee_id else None
    except CaseServiceError as error:
        return _fail(str(error))
    finally:
        engine.dispose()
    if args.format == "json":
        document = case_json(case, project_key=project.key)
        document["timeline"] = [timeline_json(entry) for entry in timeline]
        print(json.dumps(document, indent=2))
        return 0
    _print_case(case, project, assignee, timeline)
    return 0


def _print_case(
    case: Case, project: Project, assignee: str | None, timeline: list[TimelineEntry]
) -> None:
    print(f"{case.key}  {case.title}")
    reason = case.closing_reason
    details = [
        ("Project", f"{project.name} ({project.key})"),
        ("Status", case.status.status_name + (f" ({reason})" if reason else "")),
        ("Priority", case.priority.value),
        ("Type", case.type),
        ("Assignee", assignee or "-"),
        ("Source", case.creation_source),
        ("Created", case.created_at.isoformat()),
    ]
    if case.closed_at:
        details.append(("Closed", case.closed_at.isoformat()))
    if case.archived_at:
        details.append(("Archived", case.archived_at.isoformat()))
    for key, values in case.attributes.items():
        details.append((key, ", ".join(values)))
    for label, value in details:
        print(f"  {label + ':':<10} {value}")
    if case.description:
        print()
        print("  " + case.description.replace("\n", "\n  "))
    print()
    print("Timeline:")
    for entry in timeline:
        what = entry.transition or entry.kind
        first, *rest = entry.body.splitlines() or [""]
        print(f"  {entry.created_at:%Y-%m-%d %H:%M:%S}  {what:<18} {entry.actor_label}: {first}")
        for line in rest:
            print(f"  {'':<19}  {'':<18} {line}")
