"""Custom attributes through the official `datadog-api-client`, against a real server.

The client sets them (`update_case_custom_attribute`: TEXT, URL, NUMBER and SELECT,
single and multi-valued), reads them back on the case, finds the case with the
query language (and not the others), deletes them (`delete_case_custom_attribute`),
and sees each change on the timeline and at the case listeners, with the API key
as actor. Creating a case with `custom_attributes` stores them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, NotFoundException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.models import (
    CaseCreate,
    CaseCreateAttributes,
    CaseCreateRelationships,
    CaseCreateRequest,
    CaseObjectAttributes,
    CaseResourceType,
    CaseUpdateAttributes,
    CaseUpdateAttributesAttributes,
    CaseUpdateAttributesRequest,
    CaseUpdateCustomAttribute,
    CaseUpdateCustomAttributeRequest,
    CustomAttributeType,
    CustomAttributeValue,
    ProjectCreate,
    ProjectCreateAttributes,
    ProjectCreateRequest,
    ProjectRelationship,
    ProjectRelationshipData,
    ProjectResourceType,
)

from tests.api.server import (
    STANDARD_TYPE_ID,
    Keys,
    RecordingListener,
    casebot_app,
    key_pair,
    running,
)


@dataclass
class Served:
    api: CaseManagementApi
    keys: Keys
    listener: RecordingListener


@pytest.fixture
def served(migrated_database_url: str) -> Iterator[Served]:
    keys = key_pair(migrated_database_url, "cases_read", "cases_write", name="runbooks")
    listener = RecordingListener()
    with running(casebot_app(migrated_database_url, listener=listener)) as base_url:
        configuration = Configuration(host=base_url)  # type: ignore[no-untyped-call]
        configuration.api_key["apiKeyAuth"] = keys.api_key
        configuration.api_key["appKeyAuth"] = keys.application_key
        with ApiClient(configuration) as client:
            api = CaseManagementApi(client)  # type: ignore[no-untyped-call]
            api.create_project(
                ProjectCreateRequest(
                    data=ProjectCreate(
                        type=ProjectResourceType.PROJECT,
                        attributes=ProjectCreateAttributes(name="Operations", key="OPS"),
                    )
                )
            )
            yield Served(api, keys, listener)


def _value(kind: str, value: Any) -> CustomAttributeValue:
    kind_of = CustomAttributeType(kind)  # type: ignore[no-untyped-call]
    return CustomAttributeValue(type=kind_of, is_multi=isinstance(value, list), value=value)


def _set(api: CaseManagementApi, case: str, key: str, kind: str, value: Any) -> Any:
    body = CaseUpdateCustomAttributeRequest(
        data=CaseUpdateCustomAttribute(type=CaseResourceType.CASE, attributes=_value(kind, value))
    )
    answer = api.update_case_custom_attribute(case, key, body)
    assert not answer.data.attributes._unparsed
    return answer.data


def _create(api: CaseManagementApi, title: str, **custom: CustomAttributeValue) -> Any:
    body = CaseCreateRequest(
        data=CaseCreate(
            type=CaseResourceType.CASE,
            attributes=CaseCreateAttributes(
                title=title, type_id=STANDARD_TYPE_ID, custom_attributes=custom
            ),
            relationships=CaseCreateRelationships(
                project=ProjectRelationship(
                    data=ProjectRelationshipData(id="OPS", type=ProjectResourceType.PROJECT)
                )
            ),
        )
    )
    return api.create_case(body).data


def _plain(case: Any) -> dict[str, tuple[str, bool, Any]]:
    """The case's custom attributes as the client parsed them: key -> (type, multi, value)."""
    for item in case.attributes.custom_attributes.values():
        assert not item._unparsed, item
    return {
        key: (str(item.type), item.is_multi, item.value)
        for key, item in case.attributes.custom_attributes.items()
    }


def _found(api: CaseManagementApi, query: str) -> list[str]:
    return sorted(case.attributes.key for case in api.search_cases(filter=query).data)


SET = [
    ("runbook", "URL", "https://wiki.example.com/runbooks/disk"),
    ("notes", "TEXT", "Disk fills up on Sundays"),
    ("effort", "NUMBER", 5),
    ("ratio", "NUMBER", 0.25),
    ("tier", "SELECT", "Gold"),
    ("aws_region", "SELECT", ["us-east-1", "eu-west-1"]),
    ("labels", "TEXT", ["disk", "Storage"]),
    ("links", "URL", ["http://a.example/x", "https://b.example/y?z=1"]),
    ("scores", "NUMBER", [1, 2.5]),
]


def test_set_read_search_delete_and_the_timeline(served: Served) -> None:
    api = served.api
    for title in ("Disk full on web-1", "Disk full on web-2", "Latency high"):
        _create(api, title)

    for key, kind, value in SET:
        case = _set(api, "OPS-1", key, kind, value)
    expected = {key: (kind, isinstance(value, list), value) for key, kind, value in SET}
    assert _plain(case) == expected
    assert _plain(api.get_case("OPS-1").data) == expected
    assert _plain(api.get_case("OPS-2").data) == {}
    _set(api, "OPS-2", "effort", "NUMBER", 8)
    _set(api, "OPS-3", "tier", "SELECT", "Silver")
    _set(api, "OPS-3", "labels", "TEXT", ["network"])

    assert _found(api, "tier:gold") == ["OPS-1"]
    assert _found(api, "@tier:Gold") == ["OPS-1"]
    assert _found(api, "@tier:gold") == []
    assert _found(api, "aws_region:eu-west-1") == ["OPS-1"]
    assert _found(api, "aws_region:(us-west-2 OR us-east-1)") == ["OPS-1"]
    assert _found(api, "effort:5") == ["OPS-1"]
    assert _found(api, "effort:5.0") == ["OPS-1"]
    assert _found(api, "effort:8 OR ratio:0.25") == ["OPS-1", "OPS-2"]
    assert _found(api, "scores:2.5") == ["OPS-1"]
    assert _found(api, 'runbook:"https://wiki.example.com/runbooks/disk"') == ["OPS-1"]
    assert _found(api, "links:https\\://b.example*") == ["OPS-1"]
    assert _found(api, "notes:*sundays") == ["OPS-1"]
    assert _found(api, "effort:*") == ["OPS-1", "OPS-2"]
    assert _found(api, "-tier:* status:open") == ["OPS-2"]
    assert _found(api, "labels:storage") == ["OPS-1"]
    assert _found(api, "tier:gold -labels:network") == ["OPS-1"]

    changed = _set(api, "OPS-1", "tier", "SELECT", "Platinum")
    assert _plain(changed)["tier"] == ("SELECT", False, "Platinum")
    assert _found(api, "tier:gold") == []
    again = _set(api, "OPS-1", "tier", "SELECT", "Platinum")  # the same value: no change
    assert again.attributes.modified_at == changed.attributes.modified_at

    deleted = api.delete_case_custom_attribute("OPS-1", "aws_region").data
    assert "aws_region" not in _plain(deleted)
    assert "aws_region" not in _plain(api.get_case("OPS-1").data)
    assert _found(api, "aws_region:*") == []
    unchanged = api.delete_case_custom_attribute("OPS-1", "aws_region").data
    assert _plain(unchanged) == _plain(deleted)

    cells = [
        cell.attributes
        for cell in api.list_case_timeline("OPS-1", page_size=100).data
        if str(cell.attributes.type) == "CUSTOM_ATTRIBUTES"
    ]
    assert [cell.cell_content.message for cell in cells] == [
        "Custom attribute runbook set to https://wiki.example.com/runbooks/disk",
        "Custom attribute notes set to Disk fills up on Sundays",
        "Custom attribute effort set to 5",
        "Custom attribute ratio set to 0.25",
        "Custom attribute tier set to Gold",
        "Custom attribute aws_region set to us-east-1, eu-west-1",
        "Custom attribute labels set to disk, Storage",
        "Custom attribute links set to http://a.example/x, https://b.example/y?z=1",
        "Custom attribute scores set to 1, 2.5",
        "Custom attribute tier changed from Gold to Platinum",
        "Custom attribute aws_region removed (was us-east-1, eu-west-1)",
    ]
    authors = {cell.author.content.name for cell in cells}
    assert authors == {"runbooks (API key)"}

    told = [e for e in served.listener.events if e.kind == "custom_attributes"]
    assert [(e.case.key, e.data["key"]) for e in told][-2:] == [
        ("OPS-1", "tier"),
        ("OPS-1", "aws_region"),
    ]
    last = told[-1]
    assert last.previous is not None and "aws_region" in last.previous.custom_attributes
    assert "aws_region" not in last.case.custom_attributes
    assert last.data["from"] == {
        "type": "SELECT",
        "is_multi": True,
        "value": ["us-east-1", "eu-west-1"],
    }
    assert last.data["to"] is None
    assert {(e.actor.source, e.actor.name) for e in told} == {("api", "runbooks")}


def test_a_new_case_keeps_its_custom_attributes(served: Served) -> None:
    api = served.api
    case = _create(
        api,
        "Disk full",
        tier=_value("SELECT", "Gold"),
        effort=_value("NUMBER", 3),
        labels=_value("TEXT", ["a", "b"]),
    )
    stored = {
        "tier": ("SELECT", False, "Gold"),
        "effort": ("NUMBER", False, 3),
        "labels": ("TEXT", True, ["a", "b"]),
    }
    assert _plain(case) == stored
    assert _plain(api.get_case(case.id).data) == stored
    assert _found(api, "effort:3 tier:gold") == [case.attributes.key]


def test_a_key_of_a_case_attribute_and_a_custom_one_searches_both(served: Served) -> None:
    api = served.api
    both = _create(api, "Both", team=_value("SELECT", "Storage"))
    _create(api, "Neither")
    body = CaseUpdateAttributesRequest(
        data=CaseUpdateAttributes(
            type=CaseResourceType.CASE,
            attributes=CaseUpdateAttributesAttributes(
                attributes=CaseObjectAttributes(Team=["sre"])  # type: ignore[no-untyped-call]
            ),
        )
    )
    api.update_attributes(both.id, body)
    key = both.attributes.key
    assert _found(api, "team:storage") == [key]
    assert _found(api, "team:SRE") == [key]
    assert _found(api, "team:(sre OR web)") == [key]
    assert _found(api, "-team:*") == ["OPS-2"]


def test_the_client_sees_refusals(served: Served) -> None:
    api = served.api
    _create(api, "Disk full")
    with pytest.raises(NotFoundException):
        _set(api, "OPS-9", "tier", "SELECT", "Gold")
    with pytest.raises(NotFoundException):
        api.delete_case_custom_attribute("OPS-9", "tier")
    with pytest.raises(ApiException) as refused:
        _set(api, "OPS-1", "runbook", "URL", "wiki/runbooks/disk")
    assert refused.value.status == 400
    assert "data.attributes.value must be an http or https URL" in str(refused.value.body)
    with pytest.raises(ApiException) as reserved:
        _set(api, "OPS-1", "status", "TEXT", "blocked")
    assert reserved.value.status == 400
    assert "'status' is a field of every case in search" in str(reserved.value.body)
    assert _plain(api.get_case("OPS-1").data) == {}
