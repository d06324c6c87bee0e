"""The official `datadog-api-client` ErrorTrackingApi against a real casebot server.

get_issue, update_issue_state, update_issue_assignee, delete_issue_assignee and
search_issues: every answer comes back as a typed model the client checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import NotFoundException
from datadog_api_client.v2.api.error_tracking_api import ErrorTrackingApi
from datadog_api_client.v2.models import (
    IssuesSearchRequest,
    IssuesSearchRequestData,
    IssuesSearchRequestDataAttributes,
    IssuesSearchRequestDataType,
    IssueState,
    IssueUpdateAssigneeRequest,
    IssueUpdateAssigneeRequestData,
    IssueUpdateAssigneeRequestDataType,
    IssueUpdateStateRequest,
    IssueUpdateStateRequestData,
    IssueUpdateStateRequestDataAttributes,
    IssueUpdateStateRequestDataType,
)

from tests import local_http
from tests.api.server import Keys, casebot_app, key_pair, running
from tests.errortracking.client import ALL_SCOPES


@dataclass
class Served:
    api: ErrorTrackingApi
    base_url: str
    keys: Keys

    def event(self, service: str, error_type: str, **attributes: Any) -> str:
        body = {
            "data": {
                "type": "error_event",
                "attributes": {"service": service, "error_type": error_type, **attributes},
            }
        }
        response = local_http.post(
            f"{self.base_url}/api/v2/error-tracking/events", json=body, headers=self.keys.headers
        )
        assert response.status_code in (200, 201), response.text
        return str(response.json()["data"]["id"])


@pytest.fixture
def served(migrated_database_url: str) -> Iterator[Served]:
    keys = key_pair(migrated_database_url, *ALL_SCOPES, name="client")
    with running(casebot_app(migrated_database_url)) as base_url:
        configuration = Configuration(host=base_url)  # type: ignore[no-untyped-call]
        configuration.api_key["apiKeyAuth"] = keys.api_key
        configuration.api_key["appKeyAuth"] = keys.application_key
        with ApiClient(configuration) as client:
            yield Served(ErrorTrackingApi(client), base_url, keys)  # type: ignore[no-untyped-call]


def _parsed(model: Any) -> Any:
    assert not model._unparsed, model
    data = model.get("data")
    for item in data if isinstance(data, list) else [data]:
        assert not item._unparsed, item
        assert not item.attributes._unparsed, item
    return model


def test_get_and_change_an_issue_with_the_official_client(served: Served) -> None:
    issue_id = served.event("web-store", "TypeError", error_message="cart is undefined")

    issue = _parsed(served.api.get_issue(issue_id)).data
    assert issue.id == issue_id
    assert issue.attributes.service == "web-store"
    assert issue.attributes.state == IssueState.OPEN
    assert isinstance(issue.attributes.first_seen, int)

    body = IssueUpdateStateRequest(
        data=IssueUpdateStateRequestData(
            id=issue_id,
            type=IssueUpdateStateRequestDataType.ERROR_TRACKING_ISSUE,
            attributes=IssueUpdateStateRequestDataAttributes(state=IssueState.RESOLVED),
        )
    )
    changed = _parsed(served.api.update_issue_state(issue_id, body)).data
    assert changed.attributes.state == IssueState.RESOLVED

    assignee = IssueUpdateAssigneeRequest(
        data=IssueUpdateAssigneeRequestData(
            id=served.keys.user_id, type=IssueUpdateAssigneeRequestDataType.ASSIGNEE
        )
    )
    assigned = _parsed(served.api.update_issue_assignee(issue_id, assignee)).data
    assert assigned.relationships.assignee.data.id == served.keys.user_id
    served.api.delete_issue_assignee(issue_id)
    assert served.api.get_issue(issue_id).data.relationships.assignee.data is None

    with pytest.raises(NotFoundException):
        served.api.get_issue("00000000-0000-0000-0000-000000000000")


def test_search_issues_with_the_official_client(served: Served) -> None:
    wanted = served.event("web-store", "TypeError")
    served.event("billing", "KeyError")
    body = IssuesSearchRequest(
        data=IssuesSearchRequestData(
            type=IssuesSearchRequestDataType.SEARCH_REQUEST,
            attributes=IssuesSearchRequestDataAttributes(
                query="service:web-store", _from=0, to=4_102_444_800_000
            ),
        )
    )
    found = _parsed(served.api.search_issues(body))
    assert [result.id for result in found.data] == [wanted]
    assert found.data[0].attributes.total_count == 1
