"""Cases, projects, users and timeline entries as JSON:API resources.

The shapes are those `datadog-api-client` parses into `Case`, `Project`,
`User` and `TimelineCellResource`: every member it declares is present with
the declared type, so the client's typed models come back without
`_unparsed` values for STANDARD cases and comment cells.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core.cases import Case, Project, TimelineEntry, TimelineKind, User
from bot.web.api import wire

Json = dict[str, Any]


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a `Z`, e.g. `2026-11-23T07:51:35.123456Z`."""
    if value is None:
        return None
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _user_ref(user_id: uuid.UUID | None) -> Json:
    return {"data": {"id": str(user_id), "type": "user"} if user_id is not None else None}


def case_resource(case: Case, *, modified_by: uuid.UUID | None = None) -> Json:
    status = case.status.value
    return {
        "id": str(case.id),
        "type": "case",
        "attributes": {
            "key": case.key,
            "title": case.title,
            "description": case.description,
            "status": status,
            "status_name": wire.STATUS_NAMES[status],
            "status_group": wire.STATUS_GROUPS[status],
            "priority": case.priority.value,
            "type": case.type,
            "type_id": wire.TYPE_IDS_BY_NAME.get(case.type, wire.STANDARD_TYPE_ID),
            "attributes": {key: list(values) for key, values in case.attributes.items()},
            "custom_attributes": {
                key: attribute.to_json() for key, attribute in case.custom_attributes.items()
            },
            "creation_source": case.creation_source,
            "security_resolved_reason": case.closing_reason,
            "created_at": timestamp(case.created_at),
            "modified_at": timestamp(case.modified_at),
            "closed_at": timestamp(case.closed_at),
            "archived_at": timestamp(case.archived_at),
        },
        "relationships": {
            "project": {"data": {"id": str(case.project_id), "type": "project"}},
            "assignee": _user_ref(case.assignee_id),
            "created_by": _user_ref(case.created_by),
            "modified_by": _user_ref(modified_by),
        },
    }


def project_resource(project: Project) -> Json:
    lifecycle = project.lifecycle
    return {
        "id": str(project.id),
        "type": "project",
        "attributes": {
            "name": project.name,
            "key": project.key,
            "restricted": False,
            "enabled_custom_case_types": [],
            "settings": {
                "integration_monitor": {
                    "enabled": project.monitor_enabled,
                    "handle": project.handle,
                    "auto_resolve_enabled": project.auto_close,
                    "case_type_id": wire.TYPE_IDS_BY_NAME.get(
                        project.default_case_type, wire.STANDARD_TYPE_ID
                    ),
                },
                "auto_close_inactive_cases": {
                    "enabled": lifecycle.auto_close_inactive,
                    "max_inactive_time_in_secs": lifecycle.max_inactive_secs,
                },
                "auto_transition_assigned_cases": {
                    "auto_transition_assigned_cases_on_self_assigned": (
                        lifecycle.self_assign_in_progress
                    ),
                },
                "casebot_lifecycle": {
                    "reopen_window_secs": lifecycle.reopen_window_secs,
                    "auto_close_mode": project.auto_close_mode.value,
                    "close_stale_groups": lifecycle.close_stale_groups,
                },
            },
        },
    }


def _handle(user: User) -> str:
    return user.email or user.slack_user_id or str(user.id)


def user_resource(user: User, *, service_account: bool = False) -> Json:
    return {
        "id": str(user.id),
        "type": "users",
        "attributes": {
            "uuid": str(user.id),
            "name": user.name,
            "handle": _handle(user),
            "email": user.email or "",
            "created_at": timestamp(user.created_at),
            "modified_at": timestamp(user.created_at),
            "disabled": False,
            "status": "Active",
            "service_account": service_account,
            "verified": True,
        },
    }


def _author(entry: TimelineEntry, users_by_id: Mapping[uuid.UUID, User]) -> Json:
    actor = entry.actor
    user = users_by_id.get(actor.user_id) if actor.user_id is not None else None
    if user is not None:
        content = {"id": str(user.id), "name": user.name, "handle": _handle(user)}
        if user.email:
            content["email"] = user.email
    else:
        # Monitors and the system act without a user; their name and source say who.
        content = {"name": actor.name or str(actor.source), "handle": str(actor.source)}
    return {"type": "USER", "content": content}


def timeline_cell_type(kind: str) -> str:
    """`COMMENT` for comments (the one type Datadog's client knows); the kind otherwise."""
    return "COMMENT" if kind == TimelineKind.COMMENT else kind.upper()


def timeline_resource(entry: TimelineEntry, users_by_id: Mapping[uuid.UUID, User]) -> Json:
    return {
        "id": str(entry.id),
        "type": "timeline_cell",
        "attributes": {
            "type": timeline_cell_type(entry.kind),
            "cell_content": {"message": entry.body},
            "author": _author(entry, users_by_id),
            "created_at": timestamp(entry.created_at),
            "modified_at": timestamp(entry.created_at),
        },
    }
