"""A project's lifecycle settings through the projects API, with the official client, and
what `auto_transition_assigned_cases_on_self_assigned` does to a self-assigned case."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.models import (
    AutoCloseInactiveCases,
    AutoTransitionAssignedCases,
    CaseAssign,
    CaseAssignAttributes,
    CaseAssignRequest,
    CaseResourceType,
    ProjectCreate,
    ProjectCreateAttributes,
    ProjectCreateRequest,
    ProjectResourceType,
    ProjectSettings,
    ProjectUpdate,
    ProjectUpdateAttributes,
    ProjectUpdateRequest,
)

from tests import local_http
from tests.api.server import NEW_CASE_BODY, Keys, casebot_app, key_pair, running


@pytest.fixture
def served(migrated_database_url: str) -> Iterator[tuple[CaseManagementApi, Keys, str]]:
    keys = key_pair(migrated_database_url, "cases_read", "cases_write", name="settings")
    with running(casebot_app(migrated_database_url)) as base_url:
        configuration = Configuration(host=base_url)  # type: ignore[no-untyped-call]
        configuration.api_key["apiKeyAuth"] = keys.api_key
        configuration.api_key["appKeyAuth"] = keys.application_key
        with ApiClient(configuration) as client:
            api = CaseManagementApi(client)  # type: ignore[no-untyped-call]
            api.create_project(
                ProjectCreateRequest(
                    data=ProjectCreate(
                        type=ProjectResourceType.PROJECT,
                        attributes=ProjectCreateAttributes(name="Ops", key="OPS"),
                    )
                )
            )
            yield api, keys, base_url


def _update(api: CaseManagementApi, settings: ProjectSettings) -> Any:
    body = ProjectUpdateRequest(
        data=ProjectUpdate(
            type=ProjectResourceType.PROJECT, attributes=ProjectUpdateAttributes(settings=settings)
        )
    )
    return api.update_project("OPS", body).data.attributes.settings


def test_defaults_are_off(served: tuple[CaseManagementApi, Keys, str]) -> None:
    api, _keys, _url = served
    settings = api.get_project("OPS").data.attributes.settings
    assert settings.auto_close_inactive_cases.enabled is False
    assert settings.auto_close_inactive_cases.max_inactive_time_in_secs == 30 * 86_400
    transition = settings.auto_transition_assigned_cases
    assert transition.auto_transition_assigned_cases_on_self_assigned is False
    assert settings["casebot_lifecycle"] == {
        "reopen_window_secs": 0,
        "auto_close_mode": "always",
        "close_stale_groups": False,
    }


def test_datadogs_settings_through_the_official_client(
    served: tuple[CaseManagementApi, Keys, str],
) -> None:
    api, _keys, _url = served
    settings = _update(
        api,
        ProjectSettings(
            auto_close_inactive_cases=AutoCloseInactiveCases(
                enabled=True, max_inactive_time_in_secs=14 * 86_400
            ),
            auto_transition_assigned_cases=AutoTransitionAssignedCases(
                auto_transition_assigned_cases_on_self_assigned=True
            ),
        ),
    )
    assert settings.auto_close_inactive_cases.enabled is True
    assert settings.auto_close_inactive_cases.max_inactive_time_in_secs == 14 * 86_400
    assert settings.auto_transition_assigned_cases.auto_transition_assigned_cases_on_self_assigned
    # Left out: unchanged.
    again = _update(api, ProjectSettings(auto_close_inactive_cases=AutoCloseInactiveCases()))
    assert again.auto_close_inactive_cases.max_inactive_time_in_secs == 14 * 86_400


def test_datadogs_range_of_7_to_180_days(served: tuple[CaseManagementApi, Keys, str]) -> None:
    api, _keys, _url = served
    for days in (6, 181):
        with pytest.raises(ApiException) as refused:
            _update(
                api,
                ProjectSettings(
                    auto_close_inactive_cases=AutoCloseInactiveCases(
                        enabled=True, max_inactive_time_in_secs=days * 86_400
                    )
                ),
            )
        assert refused.value.status == 400
        assert "max_inactive_time_in_secs must be between 604800 (7 days)" in str(
            refused.value.body
        )


def test_casebots_own_settings(served: tuple[CaseManagementApi, Keys, str]) -> None:
    _api, keys, base_url = served
    own = {
        "reopen_window_secs": 900,
        "auto_close_mode": "unless_worked",
        "close_stale_groups": True,
    }
    body = {"data": {"type": "project", "attributes": {"settings": {"casebot_lifecycle": own}}}}
    answer = local_http.patch(
        f"{base_url}/api/v2/cases/projects/OPS", json=body, headers=keys.headers
    )
    assert answer.status_code == 200, answer.text
    settings = answer.json()["data"]["attributes"]["settings"]
    assert settings["casebot_lifecycle"] == own
    assert settings["integration_monitor"]["auto_resolve_enabled"] is True
    # `never` is auto-resolve off, either way it is said; saying both differently is refused.
    body["data"]["attributes"]["settings"] = {"casebot_lifecycle": {"auto_close_mode": "never"}}
    answer = local_http.patch(
        f"{base_url}/api/v2/cases/projects/OPS", json=body, headers=keys.headers
    )
    assert (
        answer.json()["data"]["attributes"]["settings"]["integration_monitor"][
            "auto_resolve_enabled"
        ]
        is False
    )
    body["data"]["attributes"]["settings"] = {
        "casebot_lifecycle": {"auto_close_mode": "always"},
        "integration_monitor": {"auto_resolve_enabled": False},
    }
    answer = local_http.patch(
        f"{base_url}/api/v2/cases/projects/OPS", json=body, headers=keys.headers
    )
    assert answer.status_code == 400
    assert "contradicts casebot_lifecycle.auto_close_mode" in answer.json()["errors"][0]


@pytest.mark.parametrize("setting, status", [(True, "IN_PROGRESS"), (False, "OPEN")])
def test_a_self_assigned_open_case_moves_to_in_progress(
    served: tuple[CaseManagementApi, Keys, str], setting: bool, status: str
) -> None:
    api, keys, base_url = served
    _update(
        api,
        ProjectSettings(
            auto_transition_assigned_cases=AutoTransitionAssignedCases(
                auto_transition_assigned_cases_on_self_assigned=setting
            )
        ),
    )
    created = local_http.post(f"{base_url}/api/v2/cases", json=NEW_CASE_BODY, headers=keys.headers)
    case_id = created.json()["data"]["id"]
    assign = CaseAssignRequest(
        data=CaseAssign(
            type=CaseResourceType.CASE, attributes=CaseAssignAttributes(assignee_id=keys.user_id)
        )
    )
    assigned = api.assign_case(case_id, assign).data.attributes
    assert assigned.status.value == status
