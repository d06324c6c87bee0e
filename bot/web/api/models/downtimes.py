"""Downtimes: the request bodies and the resource of Datadog's Downtimes API v2.

The shapes are those of `datadog-api-client` (`DowntimeCreateRequest`,
`DowntimeUpdateRequest`, `DowntimeResponse`, `ListDowntimesResponse`): a
one-time schedule (`start`, `end`) or recurrences (`rrule`, `duration`,
`start` in local time, with a `timezone`), a monitor identifier by id or by
tags, and `status` computed from the schedule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import MISSING as MISSING
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

from bot.core.downtimes import MESSAGE_MAX, SCOPE_MAX
from bot.web.api.models.fields import NotBlank, refuse

DowntimeKind = Literal["downtime"]
EndState = Literal["alert", "no data", "warn"]
EndType = Literal["canceled", "expired"]
Status = Literal["scheduled", "active", "ended", "canceled"]


def _local_time(value: Any) -> Any:
    """A recurrence's start: an ISO-8601 date and time without a UTC offset."""
    if value is None:
        return value
    if not isinstance(value, str):
        raise refuse("must be a date and time like 2026-12-01T09:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise refuse(f"must be a date and time like 2026-12-01T09:00, got {value!r}") from None
    if parsed.tzinfo is not None:
        raise refuse("is local time in the schedule's timezone: give it without a UTC offset")
    return parsed


def _utc_time(value: Any) -> Any:
    """A one-time start or end: an ISO-8601 date and time with its UTC offset."""
    if value is None:
        return value
    if not isinstance(value, str):
        raise refuse("must be a date and time like 2026-12-01T09:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise refuse(f"must be a date and time like 2026-12-01T09:00:00Z, got {value!r}") from None
    if parsed.tzinfo is None:
        raise refuse("needs a UTC offset (e.g. 2026-12-01T09:00:00Z)")
    return parsed


UtcTime = Annotated[
    datetime,
    BeforeValidator(_utc_time),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
LocalTime = Annotated[
    datetime,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {"type": "string", "description": "Local time in the schedule's timezone, no offset"}
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MonitorById(_Strict):
    monitor_id: StrictInt = Field(ge=0, le=2**63 - 1)


class MonitorByTags(_Strict):
    monitor_tags: list[NotBlank] = Field(
        min_length=1, description="The monitor must carry all of them; `*`: every monitor"
    )


MonitorIdentifier = MonitorById | MonitorByTags


class OneTimeSchedule(_Strict):
    start: UtcTime | MISSING | None = MISSING
    end: UtcTime | MISSING | None = MISSING


class Recurrence(_Strict):
    duration: NotBlank = Field(description="`30m`, `2h`, `1d` or `1w`")
    rrule: NotBlank = Field(description="An RRULE (RFC 5545), e.g. FREQ=WEEKLY;BYDAY=MO")
    start: LocalTime | MISSING | None = MISSING


class RecurringScheduleCreate(_Strict):
    recurrences: list[Recurrence] = Field(min_length=1, max_length=5)
    timezone: NotBlank | MISSING = MISSING


class RecurringScheduleUpdate(_Strict):
    recurrences: list[Recurrence] | MISSING = Field(default=MISSING, min_length=1, max_length=5)
    timezone: NotBlank | MISSING = MISSING


Message = Annotated[str, Field(max_length=MESSAGE_MAX)]
Scope = Annotated[NotBlank, Field(max_length=SCOPE_MAX)]


class DowntimeCreateAttributes(BaseModel):
    scope: Scope
    monitor_identifier: MonitorIdentifier
    schedule: RecurringScheduleCreate | OneTimeSchedule | MISSING = MISSING
    message: Message | MISSING | None = MISSING
    display_timezone: str | MISSING | None = MISSING
    mute_first_recovery_notification: StrictBool | MISSING = MISSING
    notify_end_states: list[EndState] | MISSING = MISSING
    notify_end_types: list[EndType] | MISSING = MISSING


class DowntimeCreate(BaseModel):
    type: DowntimeKind
    attributes: DowntimeCreateAttributes


class DowntimeCreateRequest(BaseModel):
    data: DowntimeCreate


class DowntimeUpdateAttributes(BaseModel):
    scope: Scope | MISSING = MISSING
    monitor_identifier: MonitorIdentifier | MISSING = MISSING
    schedule: RecurringScheduleUpdate | OneTimeSchedule | MISSING = MISSING
    message: Message | MISSING | None = MISSING
    display_timezone: str | MISSING | None = MISSING
    mute_first_recovery_notification: StrictBool | MISSING = MISSING
    notify_end_states: list[EndState] | MISSING = MISSING
    notify_end_types: list[EndType] | MISSING = MISSING


class DowntimeUpdate(BaseModel):
    type: DowntimeKind
    id: str
    attributes: DowntimeUpdateAttributes


class DowntimeUpdateRequest(BaseModel):
    data: DowntimeUpdate


# --- The resource -------------------------------------------------------------------


class _Resource(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MonitorIdResponse(_Resource):
    monitor_id: int


class MonitorTagsResponse(_Resource):
    monitor_tags: list[str]


class CurrentDowntime(_Resource):
    start: str
    end: str | None


class OneTimeScheduleResponse(_Resource):
    start: str
    end: str | None


class RecurrenceResponse(_Resource):
    duration: str
    rrule: str
    start: str


class RecurringScheduleResponse(_Resource):
    recurrences: list[RecurrenceResponse]
    timezone: str
    current_downtime: CurrentDowntime | MISSING = MISSING


class DowntimeAttributes(_Resource):
    scope: str
    monitor_identifier: MonitorIdResponse | MonitorTagsResponse
    schedule: RecurringScheduleResponse | OneTimeScheduleResponse
    message: str | None
    display_timezone: str | None
    mute_first_recovery_notification: bool
    notify_end_states: list[EndState]
    notify_end_types: list[EndType]
    status: Status
    created: str
    modified: str
    canceled: str | None


class RelationshipData(_Resource):
    id: str
    type: str


class Relationship(_Resource):
    data: RelationshipData | None


class DowntimeRelationships(_Resource):
    created_by: Relationship
    monitor: Relationship


class Downtime(_Resource):
    id: str
    type: DowntimeKind
    attributes: DowntimeAttributes
    relationships: DowntimeRelationships


class DowntimeResponse(_Resource):
    data: Downtime


class PageMeta(_Resource):
    total_filtered_count: int


class ListMeta(_Resource):
    page: PageMeta


class ListDowntimesResponse(_Resource):
    data: list[Downtime]
    meta: ListMeta
