"""Datadog's Downtimes API v2 under /api/v2/downtime: schedule, list, get, update, cancel.

Reads need the `monitors_read` scope, changes `monitors_downtime`. A downtime
mutes the notifications of the monitor groups it covers while one of its
windows holds (bot/core/downtimes.py); `DELETE` cancels it (it stays listed,
`canceled`). The scheduler notifies, at its end, the groups it muted that
still alert (bot/pipeline/downtime_ends.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BeforeValidator, WithJsonSchema
from starlette.responses import Response

from bot.core.downtime_schedule import (
    OneTime,
    OneTimeSpec,
    RecurrenceSpec,
    RecurringSpec,
    ScheduleSpec,
)
from bot.core.downtimes import Downtime, MonitorIdentifier
from bot.services.downtimes import UNSET, DowntimeService, downtimes_changed
from bot.web.api.caller import READ_MONITORS, WRITE_DOWNTIMES, Call, Caller
from bot.web.api.document import refusal, request_body
from bot.web.api.models import downtimes as models
from bot.web.api.models.fields import given, refuse
from bot.web.api.resources import timestamp
from bot.web.api.routing import PREFIX, ApiRoute

router = APIRouter(prefix=PREFIX, route_class=ApiRoute, tags=["Downtimes"])
ReadMonitors = Annotated[Caller, Depends(READ_MONITORS)]
WriteDowntimes = Annotated[Caller, Depends(WRITE_DOWNTIMES)]
NOT_FOUND = refusal("Not Found")
Json = dict[str, Any]
PAGE_LIMIT_MAX = 1000


def _whole(low: int, high: int) -> Any:
    def read(text: Any) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise refuse(f"must be an integer, got {text!r}") from None
        if not low <= value <= high:
            raise refuse(f"must be between {low} and {high}, got {value}")
        return value

    return read


def _boolean(text: Any) -> bool:
    lowered = str(text).strip().lower()
    if lowered not in ("true", "false"):
        raise refuse(f"must be true or false, got {text!r}")
    return lowered == "true"


DowntimeId = Annotated[str, Path(description="The downtime's id (a UUID)")]
CurrentOnly = Annotated[
    bool,
    BeforeValidator(_boolean),
    WithJsonSchema({"type": "boolean"}),
    Query(alias="current_only", description="Only downtimes active now"),
]
PageOffset = Annotated[
    int,
    BeforeValidator(_whole(0, 1_000_000)),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 1_000_000}),
    Query(alias="page[offset]", description="Downtimes to skip"),
]
PageLimit = Annotated[
    int,
    BeforeValidator(_whole(1, PAGE_LIMIT_MAX)),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": PAGE_LIMIT_MAX}),
    Query(alias="page[limit]", description="Downtimes per page (default 30)"),
]
Include = Annotated[
    str, Query(alias="include", description="Accepted for compatibility: created_by, monitor")
]
WithRunAs = Annotated[
    bool,
    BeforeValidator(_boolean),
    WithJsonSchema({"type": "boolean"}),
    Query(alias="with_run_as", description="Accepted for compatibility"),
]


def downtime_resource(downtime: Downtime, *, now: datetime) -> Json:
    schedule = downtime.schedule
    if isinstance(schedule, OneTime):
        shown: Json = {"start": timestamp(schedule.start), "end": timestamp(schedule.end)}
    else:
        shown = {
            "recurrences": [
                {
                    "duration": r.duration,
                    "rrule": r.rrule,
                    "start": r.start.isoformat("T", "minutes"),
                }
                for r in schedule.recurrences
            ],
            "timezone": schedule.timezone,
        }
        current = downtime.current_window(now)
        if current is not None:
            shown["current_downtime"] = {
                "start": timestamp(current.start),
                "end": timestamp(current.end),
            }
    monitor_id = downtime.monitor.monitor_id
    creator = downtime.created_by
    return {
        "id": str(downtime.id),
        "type": "downtime",
        "attributes": {
            "scope": downtime.scope,
            "monitor_identifier": downtime.monitor.as_json(),
            "schedule": shown,
            "message": downtime.message,
            "display_timezone": downtime.display_timezone,
            "mute_first_recovery_notification": downtime.mute_first_recovery,
            "notify_end_states": list(downtime.notify_end_states),
            "notify_end_types": list(downtime.notify_end_types),
            "status": downtime.status(now).value,
            "created": timestamp(downtime.created_at),
            "modified": timestamp(downtime.modified_at),
            "canceled": timestamp(downtime.canceled_at),
        },
        "relationships": {
            "created_by": {
                "data": {"id": str(creator), "type": "users"} if creator is not None else None
            },
            "monitor": {
                "data": {"id": str(monitor_id), "type": "monitors"}
                if monitor_id is not None
                else None
            },
        },
    }


def _monitor(given_: models.MonitorById | models.MonitorByTags) -> MonitorIdentifier:
    if isinstance(given_, models.MonitorById):
        return MonitorIdentifier(monitor_id=given_.monitor_id)
    return MonitorIdentifier(monitor_tags=tuple(given_.monitor_tags))


def _schedule(
    given_: models.RecurringScheduleCreate
    | models.RecurringScheduleUpdate
    | models.OneTimeSchedule,
    *,
    update: bool,
) -> ScheduleSpec:
    if isinstance(given_, models.OneTimeSchedule):
        return OneTimeSpec(
            start=given(given_.start, None),
            end=given(given_.end, None),
            keep_end=update and given_.end is models.MISSING,
        )
    recurrences = given(given_.recurrences, None)
    return RecurringSpec(
        timezone=given(given_.timezone, None),
        recurrences=None
        if recurrences is None
        else tuple(RecurrenceSpec(r.rrule, r.duration, given(r.start, None)) for r in recurrences),
    )


def _one(downtime: Downtime, call: Call) -> Json:
    return {"data": downtime_resource(downtime, now=call.now)}


@router.post(
    "/downtime",
    operation_id="create_downtime",
    summary="Schedule a downtime",
    response_model=models.DowntimeResponse,
    openapi_extra=request_body(models.DowntimeCreateRequest),
)
async def create_downtime(caller: WriteDowntimes) -> Any:
    new = (await caller.body(models.DowntimeCreateRequest)).data.attributes

    def create(call: Call) -> Json:
        schedule = new.schedule
        downtime = DowntimeService(call.conn, now=call.now).create(
            scope=new.scope,
            monitor=_monitor(new.monitor_identifier),
            schedule=None if schedule is models.MISSING else _schedule(schedule, update=False),
            message=given(new.message, None),
            display_timezone=given(new.display_timezone, None),
            mute_first_recovery=given(new.mute_first_recovery_notification, False),
            notify_end_states=given(new.notify_end_states, None),
            notify_end_types=given(new.notify_end_types, None),
            created_by=call.key.user_id,
        )
        return _one(downtime, call)

    answer = await caller.run(create)
    downtimes_changed()
    return answer


@router.get(
    "/downtime",
    operation_id="list_downtimes",
    summary="Get all downtimes",
    response_model=models.ListDowntimesResponse,
)
async def list_downtimes(
    caller: ReadMonitors,
    current_only: CurrentOnly = False,
    include: Include = "",
    page_offset: PageOffset = 0,
    page_limit: PageLimit = 30,
) -> Any:
    def listing(call: Call) -> Json:
        found, total = DowntimeService(call.conn, now=call.now).list(
            now=call.now, current_only=current_only, offset=page_offset, limit=page_limit
        )
        return {
            "data": [downtime_resource(d, now=call.now) for d in found],
            "meta": {"page": {"total_filtered_count": total}},
        }

    return await caller.run(listing)


@router.get(
    "/downtime/{downtime_id}",
    operation_id="get_downtime",
    summary="Get a downtime",
    response_model=models.DowntimeResponse,
    responses={404: NOT_FOUND},
)
async def get_downtime(
    downtime_id: DowntimeId,
    caller: ReadMonitors,
    include: Include = "",
    with_run_as: WithRunAs = False,
) -> Any:
    return await caller.run(
        lambda call: _one(DowntimeService(call.conn, now=call.now).get(downtime_id), call)
    )


@router.patch(
    "/downtime/{downtime_id}",
    operation_id="update_downtime",
    summary="Update a downtime",
    response_model=models.DowntimeResponse,
    openapi_extra=request_body(models.DowntimeUpdateRequest),
    responses={404: NOT_FOUND},
)
async def update_downtime(downtime_id: DowntimeId, caller: WriteDowntimes) -> Any:
    change = (await caller.body(models.DowntimeUpdateRequest)).data.attributes

    def update(call: Call) -> Json:
        monitor = change.monitor_identifier
        schedule = change.schedule
        downtime = DowntimeService(call.conn, now=call.now).update(
            downtime_id,
            scope=given(change.scope, UNSET),
            monitor=UNSET if monitor is models.MISSING else _monitor(monitor),
            schedule=UNSET if schedule is models.MISSING else _schedule(schedule, update=True),
            message=given(change.message, UNSET),
            display_timezone=given(change.display_timezone, UNSET),
            mute_first_recovery=given(change.mute_first_recovery_notification, UNSET),
            notify_end_states=given(change.notify_end_states, UNSET),
            notify_end_types=given(change.notify_end_types, UNSET),
        )
        return _one(downtime, call)

    answer = await caller.run(update)
    downtimes_changed()
    return answer


@router.delete(
    "/downtime/{downtime_id}",
    status_code=204,
    operation_id="cancel_downtime",
    summary="Cancel a downtime",
    response_class=Response,
    responses={404: NOT_FOUND},
)
async def cancel_downtime(downtime_id: DowntimeId, caller: WriteDowntimes) -> Response:
    await caller.run(lambda call: DowntimeService(call.conn, now=call.now).cancel(downtime_id))
    downtimes_changed()
    return Response(status_code=204)
