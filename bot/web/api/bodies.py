"""The request bodies of the case API, parsed into frozen values.

Each `parse_*` takes the raw body and returns what the request asks for, or
raises a 400 `ApiError` naming the member that is wrong. Shapes follow what
the official `datadog-api-client` sends (see the JSON:API models
`CaseCreateRequest`, `CaseUpdateStatusRequest`, …, `ProjectUpdateRequest`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from bot.web.api import wire
from bot.web.api.errors import bad_request
from bot.web.api.json_body import Member, data, decode

TITLE_MAX = 500
DESCRIPTION_MAX = 50_000
COMMENT_MAX = 50_000
NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class NewCase:
    title: str
    type_name: str
    project_ref: str
    description: str | None
    priority: str | None
    status: str | None
    assignee_id: uuid.UUID | None
    attributes: dict[str, list[str]] | None


@dataclass(frozen=True, slots=True)
class NewProject:
    name: str
    key: str


@dataclass(frozen=True, slots=True)
class MonitorIntegration:
    enabled: bool | None
    handle: str | None
    auto_resolve_enabled: bool | None


@dataclass(frozen=True, slots=True)
class ProjectChange:
    name: str | None
    monitor: MonitorIntegration | None


def _attributes(body: Member, resource: str = "case") -> Member:
    return data(body, resource).get("attributes").obj()


def _case_type(attributes: Member) -> str:
    type_id = attributes.get("type_id")
    legacy = attributes.get("type")
    if type_id.present:
        value = type_id.string()
        name = wire.TYPE_NAMES_BY_ID.get(value.lower())
        if name is None:
            raise bad_request(
                f"data.attributes.type_id {value!r} is not a known case type; the standard "
                f"type is {wire.STANDARD_TYPE_ID}"
            )
        return name
    if legacy.present:
        return legacy.choice(wire.TYPE_IDS_BY_NAME)
    raise bad_request(
        f"data.attributes.type_id is required (the standard case type is {wire.STANDARD_TYPE_ID})"
    )


def _status_name(member: Member) -> str:
    return wire.STATUS_BY_NAME[member.choice(wire.STATUS_BY_NAME)]


_PROJECT_REQUIRED = (
    'data.relationships.project is required: {"data": {"id": "<project id>", "type": "project"}}'
)


def _project_ref(relationships: Member) -> str:
    """The id (UUID or key) in `relationships.project.data`."""
    if not relationships.present:
        raise bad_request(_PROJECT_REQUIRED)
    project = relationships.obj().get("project")
    if not project.present:
        raise bad_request(_PROJECT_REQUIRED)
    return data(project.obj(), "project").get("id").string()


def _assignee_id(relationships: Member) -> uuid.UUID | None:
    """The user in `relationships.assignee.data`; None when absent or null."""
    assignee = relationships.get("assignee").optional_obj(nullable=True)
    if assignee is None:
        return None
    member = assignee.get("data")
    if not member.present:
        raise bad_request(
            "data.relationships.assignee.data is required: "
            '{"id": "<user id>", "type": "user"}, or null for no assignee'
        )
    user = member.optional_obj(nullable=True)
    if user is None:
        return None
    user.get("type").resource_type("user")
    return user.get("id").uuid()


def parse_create_case(raw: bytes) -> NewCase:
    resource = data(decode(raw), "case")
    attributes = resource.get("attributes").obj()
    title = attributes.get("title").string(max_length=TITLE_MAX)
    type_name = _case_type(attributes)
    description = attributes.get("description").optional_string(
        allow_empty=True, max_length=DESCRIPTION_MAX
    )
    priority = attributes.get("priority").optional_choice(wire.PRIORITIES)
    status_name = attributes.get("status_name")
    status = _status_name(status_name) if status_name.present else None
    case_attributes = attributes.get("attributes")
    # Custom attributes are accepted for compatibility and not stored (casebot has none).
    attributes.get("custom_attributes").optional_obj()
    relationships = resource.get("relationships")
    project_ref = _project_ref(relationships)
    return NewCase(
        title=title,
        type_name=type_name,
        project_ref=project_ref,
        description=description,
        priority=priority,
        status=status,
        assignee_id=_assignee_id(relationships),
        attributes=case_attributes.string_list_map() if case_attributes.present else None,
    )


def parse_status(raw: bytes) -> str:
    """The new core status, from `status` or (preferred by newer clients) `status_name`."""
    attributes = _attributes(decode(raw))
    status = attributes.get("status")
    status_name = attributes.get("status_name")
    from_status = status.choice(wire.STATUSES) if status.present else None
    if status_name.present:
        return _status_name(status_name)
    if from_status is not None:
        return from_status
    raise bad_request(
        "data.attributes.status (OPEN, IN_PROGRESS or CLOSED) or data.attributes.status_name "
        "is required"
    )


def parse_priority(raw: bytes) -> str:
    return _attributes(decode(raw)).get("priority").choice(wire.PRIORITIES)


def parse_title(raw: bytes) -> str:
    return _attributes(decode(raw)).get("title").string(max_length=TITLE_MAX)


def parse_description(raw: bytes) -> str:
    return (
        _attributes(decode(raw))
        .get("description")
        .string(allow_empty=True, max_length=DESCRIPTION_MAX)
    )


def parse_case_attributes(raw: bytes) -> dict[str, list[str]]:
    return _attributes(decode(raw)).get("attributes").string_list_map()


def parse_assign(raw: bytes) -> uuid.UUID:
    return _attributes(decode(raw)).get("assignee_id").uuid()


def parse_empty(raw: bytes) -> None:
    """Unassign, archive and unarchive carry only `{"data": {"type": "case"}}`."""
    data(decode(raw), "case")


def parse_comment(raw: bytes) -> str:
    return _attributes(decode(raw)).get("comment").string(max_length=COMMENT_MAX)


def parse_resolved_reason(raw: bytes) -> str:
    member = _attributes(decode(raw)).get("security_resolved_reason")
    return member.choice(wire.RESOLVED_REASONS).lower()


def parse_move(raw: bytes) -> str:
    """The target project's id (UUID, or key) of a move."""
    return data(decode(raw), "project").get("id").string()


def parse_create_project(raw: bytes) -> NewProject:
    attributes = _attributes(decode(raw), "project")
    name = attributes.get("name").string(max_length=NAME_MAX)
    key_member = attributes.get("key")
    key = key_member.string()
    if not wire.PROJECT_KEY.fullmatch(key):
        raise bad_request(
            f"data.attributes.key must be 1-10 characters of A-Z and 0-9, got {key!r}"
        )
    if key == "CASE":
        raise bad_request('data.attributes.key cannot be "CASE"')
    # Accepted for compatibility; casebot has no teams or custom case types yet.
    attributes.get("team_uuid").optional_string(allow_empty=True)
    custom_types = attributes.get("enabled_custom_case_types")
    if custom_types.present:
        custom_types.string_list()
    return NewProject(name=name, key=key)


def parse_update_project(raw: bytes) -> ProjectChange:
    attributes = _attributes(decode(raw), "project")
    name = attributes.get("name").optional_string(max_length=NAME_MAX)
    monitor = None
    settings = attributes.get("settings").optional_obj()
    if settings is not None:
        integration = settings.get("integration_monitor").optional_obj()
        if integration is not None:
            handle = integration.get("handle").optional_string()
            if handle is not None and not wire.PROJECT_HANDLE.fullmatch(handle):
                raise bad_request(
                    "data.attributes.settings.integration_monitor.handle must be lowercase "
                    "letters, digits, '-' or '_', at most 64, starting and ending with a letter "
                    f"or digit (what follows @case-), got {handle!r}"
                )
            monitor = MonitorIntegration(
                enabled=integration.get("enabled").optional_boolean(),
                handle=handle,
                auto_resolve_enabled=integration.get("auto_resolve_enabled").optional_boolean(),
            )
    return ProjectChange(name=name, monitor=monitor)
