"""Projects: the create and update bodies, and the `Project` resource."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from pydantic import MISSING as MISSING
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, WithJsonSchema

from bot.web.api import wire
from bot.web.api.models.case_requests import ProjectKind
from bot.web.api.models.fields import NonEmpty, NotBlank, refuse

NAME_MAX = 200
HANDLE_PATTERN = r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$"


def _project_key(value: str) -> str:
    if not wire.PROJECT_KEY.fullmatch(value):
        raise refuse(f"must be 1-10 characters of A-Z and 0-9, got {value!r}")
    if value == "CASE":
        raise refuse('cannot be "CASE"')
    return value


def _handle(value: str) -> str:
    if not wire.PROJECT_HANDLE.fullmatch(value):
        raise refuse(
            "must be lowercase letters, digits, '-' or '_', at most 64, starting and ending "
            f"with a letter or digit (what follows @case-), got {value!r}"
        )
    return value


Name = Annotated[NotBlank, Field(max_length=NAME_MAX)]
ProjectKey = Annotated[
    NonEmpty,
    AfterValidator(_project_key),
    WithJsonSchema({"type": "string", "pattern": r"^[A-Z0-9]{1,10}$", "not": {"enum": ["CASE"]}}),
]
Handle = Annotated[
    NonEmpty,
    AfterValidator(_handle),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": HANDLE_PATTERN,
            "description": "Used in monitor messages as @case-<handle>",
        }
    ),
]
assert re.compile(HANDLE_PATTERN[1:-1]).pattern == wire.PROJECT_HANDLE.pattern


class ProjectCreateAttributes(BaseModel):
    name: Name
    key: ProjectKey
    # Accepted for compatibility; casebot has no teams or custom case types yet.
    team_uuid: str | MISSING = MISSING
    enabled_custom_case_types: list[str] | MISSING = MISSING


class ProjectCreate(BaseModel):
    type: ProjectKind
    attributes: ProjectCreateAttributes


class ProjectCreateRequest(BaseModel):
    data: ProjectCreate


class IntegrationMonitorUpdate(BaseModel):
    enabled: StrictBool | MISSING = MISSING
    handle: Handle | MISSING = MISSING
    auto_resolve_enabled: StrictBool | MISSING = MISSING


class ProjectSettingsUpdate(BaseModel):
    integration_monitor: IntegrationMonitorUpdate | MISSING = MISSING


class ProjectUpdateAttributes(BaseModel):
    name: Name | MISSING = MISSING
    settings: ProjectSettingsUpdate | MISSING = MISSING


class ProjectUpdate(BaseModel):
    type: ProjectKind
    attributes: ProjectUpdateAttributes


class ProjectUpdateRequest(BaseModel):
    data: ProjectUpdate


# --- The resource -------------------------------------------------------------------


class _Resource(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntegrationMonitor(_Resource):
    enabled: bool
    handle: str = Field(description="Used in monitor messages as @case-<handle>")
    auto_resolve_enabled: bool = Field(description="Close the case when its monitor group resolves")
    case_type_id: str


class ProjectSettings(_Resource):
    integration_monitor: IntegrationMonitor


class ProjectAttributes(_Resource):
    name: str
    key: str
    restricted: bool
    enabled_custom_case_types: list[str]
    settings: ProjectSettings


class Project(_Resource):
    id: uuid.UUID
    type: ProjectKind
    attributes: ProjectAttributes


class ProjectResponse(_Resource):
    data: Project


class ProjectsResponse(_Resource):
    data: list[Project]
