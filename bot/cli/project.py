"""`casebot project add|update|list`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.core.cases import CaseType, Project
from bot.core.lifecycle import DAY, AutoCloseMode, Lifecycle
from bot.services.errors import CaseServiceError
from bot.services.projects import UNSET, ProjectService


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "project",
        help="add, change and list projects",
        description="Projects hold cases; `@case-<handle>` in a monitor message opens one.",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="project_command", metavar="ACTION")

    add = actions.add_parser("add", help="add a project")
    add.add_argument("--name", required=True, help="display name, e.g. 'Operations'")
    add.add_argument(
        "--key", required=True, help="1-10 of A-Z and 0-9; case keys are KEY-1, KEY-2, ..."
    )
    add.add_argument(
        "--handle", required=True, help="lowercase; monitors mention it as @case-<handle>"
    )
    add.add_argument(
        "--auto-close",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="close the cycle's cases when the monitor group recovers (default: on)",
    )
    add.add_argument(
        "--monitor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="let @case-<handle> mentions open cases (default: on)",
    )
    add.add_argument("--slack-channel", default=None, help="channel for this project's cases")
    add.add_argument(
        "--default-type",
        default=CaseType.STANDARD.value,
        help="case type of new cases (default: STANDARD)",
    )
    add.add_argument(
        "--error-tracking-default",
        action="store_true",
        help="cases of error-tracking issues that no rule routes go to this project",
    )
    add.add_argument(
        "--if-missing",
        action="store_true",
        help="when a project with this key exists, say so and succeed (for set-up scripts)",
    )
    add_database_option(add)
    add.set_defaults(handler=_add)

    update = actions.add_parser(
        "update",
        help="change a project's settings",
        description="Change the settings given; the others stay. The key never changes.",
    )
    update.add_argument("ref", metavar="REF", help="the project's key, handle or id")
    update.add_argument("--name", default=UNSET, help="display name")
    update.add_argument("--handle", default=UNSET, help="monitors mention it as @case-<handle>")
    update.add_argument(
        "--slack-channel",
        default=UNSET,
        help="channel for this project's cases and issues; '' for none",
    )
    update.add_argument(
        "--auto-close",
        action=argparse.BooleanOptionalAction,
        default=UNSET,
        help="close the cycle's cases when the monitor group recovers",
    )
    update.add_argument(
        "--monitor",
        action=argparse.BooleanOptionalAction,
        default=UNSET,
        help="let @case-<handle> mentions open cases",
    )
    update.add_argument(
        "--mirror-threads",
        action=argparse.BooleanOptionalAction,
        default=UNSET,
        help="copy Slack thread replies into the project's cases",
    )
    update.add_argument(
        "--error-tracking-default",
        action=argparse.BooleanOptionalAction,
        default=UNSET,
        help="receive the cases of error-tracking issues that no rule routes",
    )
    update.add_argument("--default-type", default=UNSET, help="case type of new cases")
    update.add_argument(
        "--auto-close-mode",
        choices=[m.value for m in AutoCloseMode],
        default=UNSET,
        help="on recovery: always close, never, or unless a person worked the case",
    )
    update.add_argument(
        "--close-inactive-after",
        type=int,
        default=UNSET,
        metavar="DAYS",
        help="close cases without activity for DAYS (7-180); 0 turns it off",
    )
    update.add_argument(
        "--self-assign-in-progress",
        action=argparse.BooleanOptionalAction,
        default=UNSET,
        help="an Open case someone assigns to themselves moves to In Progress",
    )
    update.add_argument(
        "--reopen-window",
        type=int,
        default=UNSET,
        metavar="MINUTES",
        help="a group that re-fires this soon after its recovery reopens its case (0: off)",
    )
    update.add_argument(
        "--close-stale-groups",
        action=argparse.BooleanOptionalAction,
        default=UNSET,
        help="end the cycle of a group silent past its source's repeat interval",
    )
    update.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(update)
    update.set_defaults(handler=_update)

    listing = actions.add_parser("list", help="list projects")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(listing)
    listing.set_defaults(handler=_list)


def project_json(project: Project) -> dict[str, Any]:
    lifecycle = project.lifecycle
    return {
        "id": str(project.id),
        "name": project.name,
        "key": project.key,
        "handle": project.handle,
        "monitor_enabled": project.monitor_enabled,
        "auto_close": project.auto_close,
        "default_case_type": project.default_case_type,
        "slack_channel": project.slack_channel,
        "mirror_threads": project.mirror_threads,
        "is_error_tracking_default": project.is_error_tracking_default,
        "created_at": project.created_at.isoformat(),
        "lifecycle": {
            "auto_close_mode": project.auto_close_mode.value,
            "close_inactive_after_days": lifecycle.max_inactive_secs // DAY
            if lifecycle.auto_close_inactive
            else None,
            "self_assign_in_progress": lifecycle.self_assign_in_progress,
            "reopen_window_minutes": lifecycle.reopen_window_secs // 60,
            "close_stale_groups": lifecycle.close_stale_groups,
        },
    }


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _add(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            projects = ProjectService(conn, now=datetime.now(UTC))
            existing = projects.find(args.key.strip().upper()) if args.if_missing else None
            if existing is not None:
                print(f"Project {existing.key} ({existing.name}) exists: nothing to add.")
                if existing.monitor_enabled:
                    print(
                        f"Mention @case-{existing.handle} in a monitor message to open cases in it."
                    )
                return 0
            project = projects.create(
                name=args.name,
                key=args.key,
                handle=args.handle,
                auto_close=args.auto_close,
                monitor_enabled=args.monitor,
                slack_channel=args.slack_channel,
                default_case_type=args.default_type,
                is_error_tracking_default=args.error_tracking_default,
            )
    except CaseServiceError as error:
        print(f"casebot: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Created project {project.key} ({project.name}).")
    if project.monitor_enabled:
        print(f"Mention @case-{project.handle} in a monitor message to open cases in it.")
    return 0


def _update(args: argparse.Namespace) -> int:
    given = (
        args.name,
        args.handle,
        args.slack_channel,
        args.auto_close,
        args.monitor,
        args.mirror_threads,
        args.error_tracking_default,
        args.default_type,
        *_lifecycle_args(args),
    )
    if all(value is UNSET for value in given):
        print(
            "casebot project update: nothing to change; give at least one setting "
            "(see casebot project update --help)",
            file=sys.stderr,
        )
        return 2
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            service = ProjectService(conn, now=datetime.now(UTC))
            auto_close, lifecycle = _lifecycle(args, service.get(args.ref))
            project = service.update(
                args.ref,
                auto_close=auto_close,
                lifecycle=lifecycle,
                name=args.name,
                handle=args.handle,
                slack_channel=_channel(args.slack_channel),
                monitor_enabled=args.monitor,
                mirror_threads=args.mirror_threads,
                is_error_tracking_default=args.error_tracking_default,
                default_case_type=args.default_type,
            )
    except CaseServiceError as error:
        print(f"casebot: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps(project_json(project), indent=2))
        return 0
    print(f"Updated project {project.key} ({project.name}):")
    print(format_table(_settings_rows([project])))
    return 0


def _lifecycle_args(args: argparse.Namespace) -> tuple[Any, ...]:
    return (
        args.auto_close_mode,
        args.close_inactive_after,
        args.self_assign_in_progress,
        args.reopen_window,
        args.close_stale_groups,
    )


def _lifecycle(args: argparse.Namespace, project: Project) -> tuple[Any, Lifecycle]:
    """The project's auto-close and lifecycle with the options given applied."""
    lifecycle = project.lifecycle
    auto_close = args.auto_close
    changes: dict[str, Any] = {}
    if args.close_inactive_after is not UNSET:
        days = args.close_inactive_after
        changes["auto_close_inactive"] = days > 0
        if days > 0:
            changes["max_inactive_secs"] = days * DAY
    if args.self_assign_in_progress is not UNSET:
        changes["self_assign_in_progress"] = args.self_assign_in_progress
    if args.reopen_window is not UNSET:
        changes["reopen_window_secs"] = args.reopen_window * 60
    if args.close_stale_groups is not UNSET:
        changes["close_stale_groups"] = args.close_stale_groups
    if args.auto_close_mode is not UNSET:
        mode = AutoCloseMode(args.auto_close_mode)
        if auto_close is not UNSET and auto_close != (mode is not AutoCloseMode.NEVER):
            raise SystemExit("casebot project update: --auto-close contradicts --auto-close-mode")
        auto_close = mode is not AutoCloseMode.NEVER
        changes["close_unless_worked"] = mode is AutoCloseMode.UNLESS_WORKED
    return auto_close, replace(lifecycle, **changes)


def _channel(value: Any) -> Any:
    """`--slack-channel ''` removes the channel."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _settings_rows(projects: list[Project]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        ("KEY", "HANDLE", "NAME", "MONITOR", "AUTO-CLOSE", "TYPE", "SLACK")
    ]
    rows += [
        (
            p.key,
            f"@case-{p.handle}",
            p.name,
            "on" if p.monitor_enabled else "off",
            "on" if p.auto_close else "off",
            p.default_case_type,
            p.slack_channel or "-",
        )
        for p in projects
    ]
    return rows


def _list(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.connect() as conn:
            projects = ProjectService(conn, now=datetime.now(UTC)).list()
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps([project_json(p) for p in projects], indent=2))
        return 0
    if not projects:
        print(
            "No projects yet. Add one with: "
            "casebot project add --name Operations --key OPS --handle ops"
        )
        return 0
    print(format_table(_settings_rows(projects)))
    return 0
