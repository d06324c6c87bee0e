"""Projects: the create and update bodies, and the `Project` resource."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

from pydantic import MISSING as MISSING
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

from bot.core.lifecycle import INACTIVE_MAX, INACTIVE_MIN, REOPEN_MAX
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


def _inactive_secs(value: int) -> int:
    if not INACTIVE_MIN <= value <= INACTIVE_MAX:
        raise refuse(
            f"must be between {INACTIVE_MIN} (7 days) and {INACTIVE_MAX} (180 days), got {value}"
        )
    return value


def _reopen_secs(value: int) -> int:
    if not 0 <= value <= REOPEN_MAX:
        raise refuse(f"must be between 0 (off) and {REOPEN_MAX} (a day), got {value}")
    return value


InactiveSecs = Annotated[
    StrictInt,
    AfterValidator(_inactive_secs),
    WithJsonSchema({"type": "integer", "minimum": INACTIVE_MIN, "maximum": INACTIVE_MAX}),
]
ReopenSecs = Annotated[
    StrictInt,
    AfterValidator(_reopen_secs),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": REOPEN_MAX}),
]
AutoCloseModeName = Literal["always", "unless_worked", "never"]


class AutoCloseInactiveUpdate(BaseModel):
    enabled: StrictBool | MISSING = MISSING
    max_inactive_time_in_secs: InactiveSecs | MISSING = MISSING


class AutoTransitionUpdate(BaseModel):
    auto_transition_assigned_cases_on_self_assigned: StrictBool | MISSING = MISSING


class LifecycleUpdate(BaseModel):
    """casebot's own lifecycle settings (docs/lifecycle.md)."""

    reopen_window_secs: ReopenSecs | MISSING = MISSING
    auto_close_mode: AutoCloseModeName | MISSING = MISSING
    close_stale_groups: StrictBool | MISSING = MISSING


class ProjectSettingsUpdate(BaseModel):
    integration_monitor: IntegrationMonitorUpdate | MISSING = MISSING
    auto_close_inactive_cases: AutoCloseInactiveUpdate | MISSING = MISSING
    auto_transition_assigned_cases: AutoTransitionUpdate | MISSING = MISSING
    casebot_lifecycle: LifecycleUpdate | MISSING = MISSING


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


class AutoCloseInactiveCases(_Resource):
    enabled: bool
    max_inactive_time_in_secs: int = Field(description="7 to 180 days without activity")


class AutoTransitionAssignedCases(_Resource):
    auto_transition_assigned_cases_on_self_assigned: bool = Field(
        description="An Open case someone assigns to themselves moves to In Progress"
    )


class CasebotLifecycle(_Resource):
    """casebot's own settings, not Datadog's."""

    reopen_window_secs: int = Field(
        description="A group that re-fires this soon after its recovery reopens its case (0: off)"
    )
    auto_close_mode: AutoCloseModeName = Field(
        description="On recovery: always close, never, or unless a person worked the case"
    )
    close_stale_groups: bool = Field(
        description="A group silent past its source's repeat interval ends its cycle"
    )


class ProjectSettings(_Resource):
    integration_monitor: IntegrationMonitor
    auto_close_inactive_cases: AutoCloseInactiveCases
    auto_transition_assigned_cases: AutoTransitionAssignedCases
    casebot_lifecycle: CasebotLifecycle


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
