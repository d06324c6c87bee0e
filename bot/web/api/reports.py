"""`GET /api/v2/reports/noise`: which monitors open cases nobody needs (casebot's own).

The same report as `casebot report noise` (bot/core/noise.py): per monitor, noisiest
first, over `since` (30d by default), optionally for one `project`. Needs `cases_read`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from bot.core.noise import parse_since
from bot.services.noise import noise
from bot.web.api.caller import READ_CASES, Call, Caller
from bot.web.api.document import refusal
from bot.web.api.errors import ApiError
from bot.web.api.models.fields import refuse
from bot.web.api.resources import timestamp
from bot.web.api.routing import PREFIX, ApiRoute

router = APIRouter(prefix=PREFIX, route_class=ApiRoute, tags=["Reports"])
ReadCases = Annotated[Caller, Depends(READ_CASES)]


def _span(text: Any) -> str:
    value = str(text).strip()
    if len(value) < 2 or value[-1] not in "hdw" or not value[:-1].isdigit():
        raise refuse(f"must be a span like 30d, 12h or 2w, got {text!r}")
    if int(value[:-1]) > 100_000:
        raise refuse("is too long a span")
    return value


Since = Annotated[
    str,
    BeforeValidator(_span),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,6}[hdw]$"}),
    Query(alias="since", description="The period before now: 30d (default), 12h, 2w"),
]
ProjectRef = Annotated[
    str, Query(alias="project", description="Only this project's cases: its key, handle or id")
]


class _Resource(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MonitorNoiseAttributes(_Resource):
    source: str
    monitor_id: str
    monitor_name: str
    cases_opened: int = Field(description="Cases its notifications opened in the period")
    closed_untouched: int = Field(description="Of those, closed by recovery, never touched")
    untouched_share: float = Field(description="closed_untouched / cases_opened, 0 to 1")
    reopens: int = Field(description="Re-fires into a case its recovery had closed")
    median_secs_to_recovery: float | None
    median_secs_to_first_action: float | None
    muted: int = Field(description="Its notifications that downtimes muted in the period")


class MonitorNoise(_Resource):
    id: str = Field(description="<source>:<monitor id>")
    type: str = Field(description='Always "monitor_noise"')
    attributes: MonitorNoiseAttributes


class NoiseMeta(_Resource):
    since: str
    until: str
    project: str | None


class NoiseReportResponse(_Resource):
    data: list[MonitorNoise]
    meta: NoiseMeta


@router.get(
    "/reports/noise",
    operation_id="get_noise_report",
    summary="Which monitors open cases nobody needs",
    response_model=NoiseReportResponse,
    responses={404: refusal("Not Found: no such project")},
)
async def get_noise_report(
    caller: ReadCases, since: Since = "30d", project: ProjectRef | None = None
) -> Any:
    def report(call: Call) -> dict[str, Any]:
        start = parse_since(since, now=call.now)
        if start is None:
            raise ApiError(400, f"since must be a span like 30d, got {since!r}")
        found = noise(call.conn, since=start, until=call.now, project=project)
        return {
            "data": [
                {
                    "id": f"{m.source}:{m.monitor_id}",
                    "type": "monitor_noise",
                    "attributes": m.as_json(),
                }
                for m in found.monitors
            ],
            "meta": {
                "since": timestamp(found.since),
                "until": timestamp(found.until),
                "project": found.project,
            },
        }

    return await caller.run(report)
