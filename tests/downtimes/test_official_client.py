"""The official `datadog-api-client` `DowntimesApi` against a casebot server.

One-time and recurring downtimes, by monitor id and by monitor tags, are
scheduled, listed (also with the client's own pagination helper), read,
changed and canceled; every answer parses into the client's typed models.
Keys without `monitors_downtime` or `monitors_read` are refused with 403, as
keys without `cases_write` are for cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ForbiddenException, NotFoundException
from datadog_api_client.v2.api.downtimes_api import DowntimesApi
from datadog_api_client.v2.model.downtime_create_request import DowntimeCreateRequest
from datadog_api_client.v2.model.downtime_create_request_attributes import (
    DowntimeCreateRequestAttributes,
)
from datadog_api_client.v2.model.downtime_create_request_data import DowntimeCreateRequestData
from datadog_api_client.v2.model.downtime_monitor_identifier_id import (
    DowntimeMonitorIdentifierId,
)
from datadog_api_client.v2.model.downtime_monitor_identifier_tags import (
    DowntimeMonitorIdentifierTags,
)
from datadog_api_client.v2.model.downtime_notify_end_state_actions import (
    DowntimeNotifyEndStateActions,
)
from datadog_api_client.v2.model.downtime_notify_end_state_types import (
    DowntimeNotifyEndStateTypes,
)
from datadog_api_client.v2.model.downtime_resource_type import DowntimeResourceType
from datadog_api_client.v2.model.downtime_schedule_one_time_create_update_request import (
    DowntimeScheduleOneTimeCreateUpdateRequest,
)
from datadog_api_client.v2.model.downtime_schedule_recurrence_create_update_request import (
    DowntimeScheduleRecurrenceCreateUpdateRequest,
)
from datadog_api_client.v2.model.downtime_schedule_recurrences_create_request import (
    DowntimeScheduleRecurrencesCreateRequest,
)
from datadog_api_client.v2.model.downtime_status import DowntimeStatus
from datadog_api_client.v2.model.downtime_update_request import DowntimeUpdateRequest
from datadog_api_client.v2.model.downtime_update_request_attributes import (
    DowntimeUpdateRequestAttributes,
)
from datadog_api_client.v2.model.downtime_update_request_data import DowntimeUpdateRequestData

from tests.api.server import casebot_app, key_pair, running


@dataclass
class Served:
    base_url: str
    database_url: str

    def api(self, *scopes: str) -> DowntimesApi:
        keys = key_pair(self.database_url, *scopes, name="maintenance")
        configuration = Configuration(host=self.base_url)  # type: ignore[no-untyped-call]
        configuration.api_key["apiKeyAuth"] = keys.api_key
        configuration.api_key["appKeyAuth"] = keys.application_key
        return DowntimesApi(ApiClient(configuration))  # type: ignore[no-untyped-call]


@pytest.fixture
def served(migrated_database_url: str) -> Iterator[Served]:
    with running(casebot_app(migrated_database_url)) as base_url:
        yield Served(base_url, migrated_database_url)


@pytest.fixture
def api(served: Served) -> DowntimesApi:
    return served.api("monitors_read", "monitors_downtime")


def _parsed(model: Any) -> Any:
    """The model, after checking the client understood every value in it."""
    assert not model._unparsed, model
    data = model.get("data")
    for item in data if isinstance(data, list) else [data]:
        assert not item._unparsed, item
        assert not item.attributes._unparsed, item.attributes
        assert not item.attributes.schedule._unparsed, item.attributes.schedule
    return model


def _one_time(start: datetime, end: datetime | None, **attrs: Any) -> DowntimeCreateRequest:
    schedule = DowntimeScheduleOneTimeCreateUpdateRequest(start=start, end=end)
    return DowntimeCreateRequest(
        data=DowntimeCreateRequestData(
            type=DowntimeResourceType.DOWNTIME,
            attributes=DowntimeCreateRequestAttributes(
                schedule=schedule,
                **{"scope": "env:prod", **attrs},
            ),
        )
    )


def test_one_time_downtime_by_monitor_id(api: DowntimesApi) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    end = start + timedelta(hours=2)
    body = _one_time(
        start,
        end,
        scope="env:prod AND service:web-store",
        monitor_identifier=DowntimeMonitorIdentifierId(monitor_id=48213377),
        message="Deploying web-store",
        notify_end_states=[DowntimeNotifyEndStateTypes.ALERT, DowntimeNotifyEndStateTypes.WARN],
        notify_end_types=[DowntimeNotifyEndStateActions.CANCELED],
        mute_first_recovery_notification=True,
    )
    created = _parsed(api.create_downtime(body)).data
    attributes = created.attributes
    assert attributes.status == DowntimeStatus.ACTIVE
    assert attributes.scope == "env:prod AND service:web-store"
    assert attributes.monitor_identifier.monitor_id == 48213377
    assert (attributes.schedule.start, attributes.schedule.end) == (start, end)
    assert attributes.message == "Deploying web-store"
    assert [s.value for s in attributes.notify_end_states] == ["alert", "warn"]
    assert [t.value for t in attributes.notify_end_types] == ["canceled"]
    assert attributes.mute_first_recovery_notification is True
    assert created.relationships.monitor.data.id == "48213377"

    fetched = _parsed(api.get_downtime(created.id)).data
    assert fetched.id == created.id
    assert fetched.attributes.scope == attributes.scope


def test_recurring_downtime_by_monitor_tags(api: DowntimesApi) -> None:
    schedule = DowntimeScheduleRecurrencesCreateRequest(
        timezone="Europe/Paris",
        recurrences=[
            DowntimeScheduleRecurrenceCreateUpdateRequest(
                rrule="FREQ=WEEKLY;BYDAY=SU", duration="4h", start="2026-01-04T02:00"
            )
        ],
    )
    body = DowntimeCreateRequest(
        data=DowntimeCreateRequestData(
            type=DowntimeResourceType.DOWNTIME,
            attributes=DowntimeCreateRequestAttributes(
                scope="*",
                monitor_identifier=DowntimeMonitorIdentifierTags(
                    monitor_tags=["team:storage", "service:backup"]
                ),
                schedule=schedule,
            ),
        )
    )
    created = _parsed(api.create_downtime(body)).data
    attributes = created.attributes
    assert attributes.monitor_identifier.monitor_tags == ["team:storage", "service:backup"]
    assert attributes.schedule.timezone == "Europe/Paris"
    (recurrence,) = attributes.schedule.recurrences
    assert (recurrence.rrule, recurrence.duration, recurrence.start) == (
        "FREQ=WEEKLY;BYDAY=SU",
        "4h",
        "2026-01-04T02:00",
    )
    window = attributes.schedule.current_downtime
    # Sundays 02:00-06:00 in Paris: 01:00-05:00 or 00:00-04:00 UTC.
    assert window.start.astimezone(UTC).weekday() == 6
    assert window.end - window.start == timedelta(hours=4)
    assert created.relationships.monitor.data is None
    # Defaults, as Datadog's: notify every alerting state when the window expires.
    assert [s.value for s in attributes.notify_end_states] == ["alert", "no data", "warn"]
    assert [t.value for t in attributes.notify_end_types] == ["expired"]


def test_list_update_and_cancel(api: DowntimesApi) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    ids = [
        api.create_downtime(
            _one_time(
                now + timedelta(days=i + 1),
                None,
                monitor_identifier=DowntimeMonitorIdentifierId(monitor_id=i),
            )
        ).data.id
        for i in range(3)
    ]
    listed = _parsed(api.list_downtimes())
    assert sorted(d.id for d in listed.data) == sorted(ids)
    assert listed.meta.page.total_filtered_count == 3
    assert {d.attributes.status.value for d in listed.data} == {"scheduled"}
    paged = list(api.list_downtimes_with_pagination(page_limit=2))
    assert sorted(d.id for d in paged) == sorted(ids)
    assert _parsed(api.list_downtimes(current_only=True)).data == []

    change = DowntimeUpdateRequest(
        data=DowntimeUpdateRequestData(
            type=DowntimeResourceType.DOWNTIME,
            id=ids[0],
            attributes=DowntimeUpdateRequestAttributes(
                scope="env:staging",
                message="moved to staging",
                schedule=DowntimeScheduleOneTimeCreateUpdateRequest(
                    start=now - timedelta(minutes=1)
                ),
            ),
        )
    )
    updated = _parsed(api.update_downtime(ids[0], change)).data.attributes
    assert (updated.scope, updated.message, updated.status) == (
        "env:staging",
        "moved to staging",
        DowntimeStatus.ACTIVE,
    )
    assert [d.id for d in api.list_downtimes(current_only=True).data] == [ids[0]]

    api.cancel_downtime(ids[0])
    canceled = _parsed(api.get_downtime(ids[0])).data.attributes
    assert canceled.status == DowntimeStatus.CANCELED
    assert canceled.canceled is not None
    assert api.list_downtimes(current_only=True).data == []


def test_unknown_downtime_is_404(api: DowntimesApi) -> None:
    with pytest.raises(NotFoundException):
        api.get_downtime("00000000-0000-0000-0000-000000000000")
    with pytest.raises(NotFoundException):
        api.cancel_downtime("not-a-uuid")


def test_scopes_are_refused_with_403(served: Served) -> None:
    cases_only = served.api("cases_read", "cases_write")
    reader = served.api("monitors_read")
    body = _one_time(
        datetime.now(UTC), None, monitor_identifier=DowntimeMonitorIdentifierId(monitor_id=1)
    )
    with pytest.raises(ForbiddenException) as refused:
        cases_only.create_downtime(body)
    assert "monitors_downtime" in str(refused.value.body)
    with pytest.raises(ForbiddenException) as refused:
        cases_only.list_downtimes()
    assert "monitors_read" in str(refused.value.body)
    with pytest.raises(ForbiddenException):
        reader.create_downtime(body)
    with pytest.raises(ForbiddenException):
        reader.cancel_downtime("00000000-0000-0000-0000-000000000000")
    assert reader.list_downtimes().data == []
