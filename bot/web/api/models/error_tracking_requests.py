"""The request bodies of the error-tracking API (/api/v2/error-tracking).

Shapes follow Datadog's error-tracking API: `{"data": {"type":
"error_tracking_issue", "attributes": {"state": …}}}` to change a state, times
in epoch milliseconds or RFC 3339.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import MISSING as MISSING
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from bot.core.issues import IssueState
from bot.errortracking import intake
from bot.errortracking.automation import QUERY_MAX
from bot.errortracking.intake import ErrorEvent
from bot.web.api import wire as case_wire
from bot.web.api.models.fields import (
    NOT_BLANK,
    NotBlank,
    UserId,
    given,
    refuse,
    type_name,
)

ORDER_BY = ("TOTAL_COUNT", "FIRST_SEEN", "LAST_SEEN")
# Year 1970..9999 in epoch milliseconds: anything else is not a time.
MS_MAX = 253_402_300_799_999
# What `IssueState.parse` accepts, in capitals: API names, labels, labels with `_`.
STATE_NAMES = sorted(
    {name for state in IssueState for name in (state.value, state.label, state.name)}
)


def _time(value: Any) -> datetime | None:
    """Epoch milliseconds (Datadog's habit) or an RFC 3339 string with a zone."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MS_MAX:
            raise refuse("is not a time in epoch milliseconds")
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        # RFC 3339 allows a lower-case `z`, which datetime.fromisoformat does not read.
        written = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
        try:
            parsed = datetime.fromisoformat(written)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise refuse(f"must be an RFC 3339 time with a zone, got {value!r}")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            raise refuse(f"is out of range in UTC, got {value!r}") from None
    raise refuse("must be epoch milliseconds or an RFC 3339 string")


def time_member(description: str) -> Any:
    return Annotated[
        datetime | None,
        BeforeValidator(_time),
        WithJsonSchema(
            {
                "oneOf": [
                    {"type": "integer", "minimum": 0, "maximum": MS_MAX},
                    {"type": "string", "format": "date-time"},
                    {"type": "null"},
                ],
                "description": description + ": epoch milliseconds or an RFC 3339 time with a zone",
            }
        ),
    ]


def _state(value: Any) -> IssueState:
    if not isinstance(value, str):
        raise refuse(f"must be a string, got {type_name(value)}")
    try:
        return IssueState.parse(value)
    except ValueError as error:
        raise refuse(f"{{path}}: {error}") from None


StateName = Annotated[
    IssueState, BeforeValidator(_state), WithJsonSchema({"type": "string", "enum": STATE_NAMES})
]


def _optional(max_length: int) -> Any:
    """Absent or null: none; otherwise a string with something in it."""
    return Annotated[
        NotBlank | None,
        WithJsonSchema(
            {"type": ["string", "null"], "minLength": 1, "pattern": NOT_BLANK,
             "maxLength": max_length}
        ),
    ]  # fmt: skip


def required_text(max_length: int) -> Any:
    return Annotated[
        NotBlank,
        WithJsonSchema(
            {"type": "string", "minLength": 1, "pattern": NOT_BLANK, "maxLength": max_length}
        ),
    ]


Message = Annotated[
    str | None, WithJsonSchema({"type": ["string", "null"], "maxLength": intake.MESSAGE_MAX})
]


class ErrorObject(BaseModel):
    type: required_text(intake.ERROR_TYPE_MAX)  # type: ignore[valid-type]
    message: Message | MISSING = MISSING


def _error_or_flat(schema: dict[str, Any]) -> None:
    """`error_type` and `error_message` are read only without `error` (ignored beside it)."""
    properties = schema["properties"]
    flat = {name: properties.pop(name) for name in ("error_type", "error_message")}
    schema["oneOf"] = [
        {"required": ["error"]},
        {
            "type": "object",
            "properties": flat,
            "required": ["error_type"],
            "not": {"required": ["error"]},
        },
    ]


class EventAttributes(BaseModel):
    """The error as `error: {type, message}`, or as `error_type` and `error_message`
    without `error`."""

    model_config = ConfigDict(json_schema_extra=_error_or_flat)

    service: required_text(intake.SERVICE_MAX)  # type: ignore[valid-type]
    error: ErrorObject | MISSING = MISSING
    error_type: required_text(intake.ERROR_TYPE_MAX) | MISSING = MISSING  # type: ignore[valid-type]
    error_message: Message | MISSING = MISSING
    title: _optional(intake.TITLE_MAX) | MISSING = MISSING  # type: ignore[valid-type]
    fingerprint: _optional(intake.FINGERPRINT_MAX) | MISSING = MISSING  # type: ignore[valid-type]
    team: _optional(intake.TEAM_MAX) | MISSING = MISSING  # type: ignore[valid-type]
    env: _optional(intake.ENV_MAX) | MISSING = MISSING  # type: ignore[valid-type]
    version: _optional(intake.VERSION_MAX) | MISSING = MISSING  # type: ignore[valid-type]
    timestamp: time_member("When it happened (default: when it arrives)") | MISSING = MISSING  # type: ignore[valid-type]

    @model_validator(mode="before")
    @classmethod
    def _error_first(cls, value: Any) -> Any:
        """Beside `error`, `error_type` and `error_message` are not read."""
        if isinstance(value, dict) and "error" in value:
            return {k: v for k, v in value.items() if k not in ("error_type", "error_message")}
        return value

    @model_validator(mode="after")
    def _has_error(self) -> EventAttributes:
        if self.error is MISSING and self.error_type is MISSING:
            raise refuse("{path}.error_type is required (a string)")
        return self


class Event(BaseModel):
    type: Literal["error_event"]
    attributes: EventAttributes


class ErrorTrackingEventRequest(BaseModel):
    data: Event


class StateAttributes(BaseModel):
    state: StateName


class StateChange(BaseModel):
    type: Literal["error_tracking_issue"]
    id: NotBlank | MISSING = MISSING
    attributes: StateAttributes


class ErrorTrackingStateRequest(BaseModel):
    data: StateChange


class Assignee(BaseModel):
    type: Literal["assignee"]
    id: UserId


class ErrorTrackingAssigneeRequest(BaseModel):
    data: Assignee


class CommentAttributes(BaseModel):
    comment: Annotated[
        NotBlank,
        WithJsonSchema(
            {"type": "string", "minLength": 1, "pattern": NOT_BLANK, "maxLength": 100_000}
        ),
    ]


class Comment(BaseModel):
    type: Literal["comment"]
    attributes: CommentAttributes


class ErrorTrackingCommentRequest(BaseModel):
    data: Comment


class ProjectTarget(BaseModel):
    id: required_text(10_000)  # type: ignore[valid-type]
    type: str | MISSING = MISSING


class ProjectTargetReference(BaseModel):
    """How a request names a project: `{"data": {"id": "<UUID or key>", "type": "project"}}`."""

    data: ProjectTarget


class OptionalProject(BaseModel):
    project: ProjectTargetReference | MISSING | None = MISSING


Priority = Annotated[
    NotBlank | None,
    WithJsonSchema({"type": ["string", "null"], "enum": [*case_wire.PRIORITIES, None]}),
]


class IssueCaseAttributes(BaseModel):
    title: _optional(10_000) | MISSING = MISSING  # type: ignore[valid-type]
    priority: Priority | MISSING = MISSING


class CaseForIssue(BaseModel):
    """With `id`, link to that case (the rest is not read); without, create one."""

    type: Literal["case"]
    id: NotBlank | MISSING = MISSING
    attributes: IssueCaseAttributes | MISSING = MISSING
    relationships: OptionalProject | MISSING = MISSING

    @model_validator(mode="before")
    @classmethod
    def _id_first(cls, value: Any) -> Any:
        if isinstance(value, dict) and "id" in value:
            return {k: v for k, v in value.items() if k in ("type", "id")}
        return value


class ErrorTrackingCaseRequest(BaseModel):
    """With `data.id`, link to that case; without, create a case in the project the first
    matching rule names, else the one in `relationships.project`, else the error-tracking
    default. An empty body creates too."""

    data: CaseForIssue


class SearchAttributes(BaseModel):
    query: Annotated[
        Annotated[str, Field(max_length=QUERY_MAX)] | None,
        WithJsonSchema(
            {
                "type": ["string", "null"],
                "maxLength": QUERY_MAX,
                "description": "Query, e.g. service:web-store -env:staging",
            }
        ),
    ] | MISSING = MISSING  # fmt: skip
    states: list[StateName] | MISSING = MISSING
    assignee_ids: list[UserId] | MISSING = MISSING
    from_: time_member("Issues last seen at or after this time") | MISSING = Field(  # type: ignore[valid-type]
        default=MISSING, alias="from"
    )
    to: time_member("Issues first seen at or before this time") | MISSING = MISSING  # type: ignore[valid-type]
    order_by: Literal["TOTAL_COUNT", "FIRST_SEEN", "LAST_SEEN"] | MISSING = MISSING


class Search(BaseModel):
    type: Literal["search_request"]
    attributes: SearchAttributes


class ErrorTrackingSearchRequest(BaseModel):
    data: Search


def project_of(relationships: OptionalProject | MISSING) -> str | None:
    """The project id (UUID or key) a `relationships.project` names, if any."""
    if relationships is MISSING or relationships.project in (None, MISSING):
        return None
    return str(relationships.project.data.id)


def error_event(attributes: EventAttributes) -> ErrorEvent:
    """The occurrence an event body describes."""
    if attributes.error is not MISSING:
        error_type, message = attributes.error.type, given(attributes.error.message, None)
    else:
        error_type, message = attributes.error_type, given(attributes.error_message, None)
    return ErrorEvent(
        service=attributes.service,
        error_type=error_type,
        # An error without a message is still an error.
        error_message=message or "",
        title=given(attributes.title, None),
        fingerprint=given(attributes.fingerprint, None),
        team=given(attributes.team, None),
        env=given(attributes.env, None),
        version=given(attributes.version, None),
        occurred_at=given(attributes.timestamp, None),
    )


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """Either link to `case_ref`, or create a case (in `project`, titled `title`)."""

    case_ref: str | None = None
    project: str | None = None
    title: str | None = None
    priority: str | None = None


def case_request(body: ErrorTrackingCaseRequest | None) -> CaseRequest:
    if body is None:
        return CaseRequest()
    data = body.data
    if data.id is not MISSING:
        return CaseRequest(case_ref=data.id)
    project = project_of(data.relationships)
    if data.attributes is MISSING:
        return CaseRequest(project=project)
    return CaseRequest(
        project=project,
        title=given(data.attributes.title, None),
        priority=given(data.attributes.priority, None),
    )
