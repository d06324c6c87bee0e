"""The official `datadog-api-client` drives a real casebot server end to end.

`CaseManagementApi` with `Configuration(host="http://127.0.0.1:<port>")`:
projects, cases, reads by key and id, the client's own pagination helper,
every change, comments, timeline, archive and move — all answers come back
as typed models (the client checks return types), and every change reaches
the case listeners (the Slack message) with the API key as actor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, NotFoundException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.api.users_api import UsersApi
from datadog_api_client.v2.models import (
    CaseAssign,
    CaseAssignAttributes,
    CaseAssignRequest,
    CaseComment,
    CaseCommentAttributes,
    CaseCommentRequest,
    CaseCreate,
    CaseCreateAttributes,
    CaseCreateRelationships,
    CaseCreateRequest,
    CaseEmpty,
    CaseEmptyRequest,
    CaseObjectAttributes,
    CasePriority,
    CaseResourceType,
    CaseSortableField,
    CaseStatus,
    CaseUpdateAttributes,
    CaseUpdateAttributesAttributes,
    CaseUpdateAttributesRequest,
    CaseUpdateDescription,
    CaseUpdateDescriptionAttributes,
    CaseUpdateDescriptionRequest,
    CaseUpdatePriority,
    CaseUpdatePriorityAttributes,
    CaseUpdatePriorityRequest,
    CaseUpdateStatus,
    CaseUpdateStatusAttributes,
    CaseUpdateStatusRequest,
    CaseUpdateTitle,
    CaseUpdateTitleAttributes,
    CaseUpdateTitleRequest,
    IntegrationMonitor,
    ProjectCreate,
    ProjectCreateAttributes,
    ProjectCreateRequest,
    ProjectRelationship,
    ProjectRelationshipData,
    ProjectResourceType,
    ProjectSettings,
    ProjectUpdate,
    ProjectUpdateAttributes,
    ProjectUpdateRequest,
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
    users: UsersApi
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
            users = UsersApi(client)  # type: ignore[no-untyped-call]
            yield Served(api, users, keys, listener)


def _parsed(model: Any) -> Any:
    """The model, after checking the client understood every value in it."""
    assert not model._unparsed, model
    data = model.get("data")
    for item in data if isinstance(data, list) else [data] if data is not None else []:
        assert not item._unparsed, item
        assert not item.attributes._unparsed, item
    return model


def _project(api: CaseManagementApi, name: str, key: str) -> Any:
    body = ProjectCreateRequest(
        data=ProjectCreate(
            type=ProjectResourceType.PROJECT,
            attributes=ProjectCreateAttributes(name=name, key=key),
        )
    )
    return _parsed(api.create_project(body)).data


def _create_case(api: CaseManagementApi, project_id: str, title: str, **attrs: Any) -> Any:
    body = CaseCreateRequest(
        data=CaseCreate(
            type=CaseResourceType.CASE,
            attributes=CaseCreateAttributes(title=title, type_id=STANDARD_TYPE_ID, **attrs),
            relationships=CaseCreateRelationships(
                project=ProjectRelationship(
                    data=ProjectRelationshipData(id=project_id, type=ProjectResourceType.PROJECT)
                )
            ),
        )
    )
    return _parsed(api.create_case(body)).data


def _empty() -> CaseEmptyRequest:
    return CaseEmptyRequest(data=CaseEmpty(type=CaseResourceType.CASE))


def test_projects_create_update_list_get_delete(served: Served) -> None:
    api = served.api
    project = _project(api, "Operations", "OPS")
    monitor = project.attributes.settings.integration_monitor
    assert (project.attributes.key, monitor.handle, monitor.enabled) == ("OPS", "operations", True)

    update = ProjectUpdateRequest(
        data=ProjectUpdate(
            type=ProjectResourceType.PROJECT,
            attributes=ProjectUpdateAttributes(
                name="Ops",
                settings=ProjectSettings(
                    integration_monitor=IntegrationMonitor(
                        enabled=True, handle="ops", auto_resolve_enabled=False
                    )
                ),
            ),
        )
    )
    updated = _parsed(api.update_project(project.id, update)).data
    monitor = updated.attributes.settings.integration_monitor
    assert (updated.attributes.name, monitor.handle, monitor.auto_resolve_enabled) == (
        "Ops",
        "ops",
        False,
    )
    assert _parsed(api.get_project(project.id)).data.attributes.name == "Ops"

    other = _project(api, "Security", "SEC")
    listed = _parsed(api.get_projects()).data
    assert [p.attributes.key for p in listed] == ["OPS", "SEC"]

    api.delete_project(other.id)
    with pytest.raises(NotFoundException):
        api.get_project(other.id)


def test_cases_read_page_change_comment_archive_move(served: Served) -> None:
    api = served.api
    ops = _project(api, "Operations", "OPS")
    created = [
        _create_case(api, ops.id, f"Disk full on web-{n}", priority=CasePriority.P3)
        for n in range(1, 13)
    ]
    assert [c.attributes.key for c in created] == [f"OPS-{n}" for n in range(1, 13)]
    first = created[0]
    assert first.attributes.status == CaseStatus.OPEN
    assert first.attributes.type_id == STANDARD_TYPE_ID
    assert first.relationships.project.data.id == ops.id
    assert first.relationships.created_by.data.id == served.keys.user_id
    assert first.relationships.modified_by.data.id == served.keys.user_id

    by_key = _parsed(api.get_case("OPS-1")).data
    by_id = _parsed(api.get_case(first.id)).data
    assert by_key.id == by_id.id == first.id
    assert by_key.attributes.created_at == first.attributes.created_at

    # The client's helper starts at page[number]=1 and stops at a short page.
    paged = list(api.search_cases_with_pagination(page_size=5))
    assert [c.attributes.key for c in paged] == [f"OPS-{n}" for n in range(12, 0, -1)]
    page = _parsed(
        api.search_cases(
            page_size=5, page_number=3, sort_field=CaseSortableField.CREATED_AT, sort_asc=True
        )
    )
    assert [c.attributes.key for c in page.data] == ["OPS-11", "OPS-12"]
    assert (page.meta.page.current, page.meta.page.size, page.meta.page.total) == (3, 2, 3)

    key = "OPS-2"
    status = CaseUpdateStatusRequest(
        data=CaseUpdateStatus(
            type=CaseResourceType.CASE,
            attributes=CaseUpdateStatusAttributes(status=CaseStatus.IN_PROGRESS),
        )
    )
    case = _parsed(api.update_status(key, status)).data
    assert (case.attributes.status, case.attributes.status_name) == (
        CaseStatus.IN_PROGRESS,
        "In Progress",
    )
    priority = CaseUpdatePriorityRequest(
        data=CaseUpdatePriority(
            type=CaseResourceType.CASE,
            attributes=CaseUpdatePriorityAttributes(priority=CasePriority.P1),
        )
    )
    assert _parsed(api.update_priority(key, priority)).data.attributes.priority == CasePriority.P1
    title = CaseUpdateTitleRequest(
        data=CaseUpdateTitle(
            type=CaseResourceType.CASE,
            attributes=CaseUpdateTitleAttributes(title="Disk full on db-1"),
        )
    )
    assert _parsed(api.update_case_title(key, title)).data.attributes.title == "Disk full on db-1"
    description = CaseUpdateDescriptionRequest(
        data=CaseUpdateDescription(
            type=CaseResourceType.CASE,
            attributes=CaseUpdateDescriptionAttributes(description="`/var` at 99%"),
        )
    )
    described = _parsed(api.update_case_description(key, description)).data
    assert described.attributes.description == "`/var` at 99%"
    attributes = CaseUpdateAttributesRequest(
        data=CaseUpdateAttributes(
            type=CaseResourceType.CASE,
            attributes=CaseUpdateAttributesAttributes(
                attributes=CaseObjectAttributes(  # type: ignore[no-untyped-call]
                    service=["db"], team=["storage", "sre"]
                )
            ),
        )
    )
    case = _parsed(api.update_attributes(key, attributes)).data
    assert case.attributes.attributes.to_dict() == {"service": ["db"], "team": ["storage", "sre"]}

    found = _parsed(api.search_cases(filter='status:"in progress" priority:(P1 OR P2) team:sre'))
    assert [c.attributes.key for c in found.data] == [key]

    users = [u for u in served.users.list_users_with_pagination(page_size=2)]
    assert served.keys.user_id in {u.id for u in users}
    assign = CaseAssignRequest(
        data=CaseAssign(
            type=CaseResourceType.CASE,
            attributes=CaseAssignAttributes(assignee_id=served.keys.user_id),
        )
    )
    case = _parsed(api.assign_case(key, assign)).data
    assert case.relationships.assignee.data.id == served.keys.user_id
    case = _parsed(api.unassign_case(key, _empty())).data
    assert case.relationships.assignee.data is None

    comment = CaseCommentRequest(
        data=CaseComment(
            type=CaseResourceType.CASE,
            attributes=CaseCommentAttributes(comment="Freed 20 GB; watching."),
        )
    )
    cells = _parsed(api.comment_case(key, comment)).data
    assert [(str(c.attributes.type), c.attributes.cell_content.message) for c in cells] == [
        ("COMMENT", "Freed 20 GB; watching.")
    ]
    assert cells[0].attributes.author.content.name == "runbooks (API key)"
    timeline = api.list_case_timeline(key).data
    assert [str(cell.attributes.type) for cell in timeline] == [
        "CREATED",
        "STATUS",
        "PRIORITY",
        "TITLE",
        "DESCRIPTION",
        "ATTRIBUTES",
        "ASSIGNEE",
        "ASSIGNEE",
        "COMMENT",
    ]

    archived = _parsed(api.archive_case(key, _empty())).data
    assert archived.attributes.archived_at is not None
    assert key not in {c.attributes.key for c in api.search_cases_with_pagination()}
    only_archived = api.search_cases(filter="archived:true").data
    assert [c.attributes.key for c in only_archived] == [key]
    assert _parsed(api.unarchive_case(key, _empty())).data.attributes.archived_at is None

    sec = _project(api, "Security", "SEC")
    move = ProjectRelationship(
        data=ProjectRelationshipData(id=sec.id, type=ProjectResourceType.PROJECT)
    )
    moved = _parsed(api.move_case_to_project(key, move)).data
    assert (moved.attributes.key, moved.relationships.project.data.id) == ("SEC-1", sec.id)
    with pytest.raises(NotFoundException):
        api.get_case(key)
    assert api.get_case(moved.id).data.attributes.key == "SEC-1"
    cells = api.list_case_timeline("SEC-1", page_size=100).data
    assert len(cells) == 12
    assert cells[-1].attributes.cell_content.message == "Moved from OPS-2 to SEC-1"
    newest = api.list_case_timeline("SEC-1", page_size=2, page_number=1, sort_ascending=False)
    assert [str(c.attributes.type) for c in newest.data] == ["MOVED", "UNARCHIVED"]

    kinds = [event.kind for event in served.listener.events if str(event.case.id) == moved.id]
    assert kinds == [
        "created",
        "status",
        "priority",
        "title",
        "description",
        "attributes",
        "assignee",
        "assignee",
        "comment",
        "archived",
        "unarchived",
        "moved",
    ]
    assert {(e.actor.source, e.actor.name) for e in served.listener.events} == {("api", "runbooks")}


def test_client_sees_refusals_as_api_exceptions(served: Served) -> None:
    api = served.api
    ops = _project(api, "Operations", "OPS")
    _create_case(api, ops.id, "Disk full")
    with pytest.raises(NotFoundException) as missing:
        api.get_case("OPS-99")
    assert "case OPS-99 not found" in str(missing.value.body)
    bad_move = ProjectRelationship(
        data=ProjectRelationshipData(id="NOPE", type=ProjectResourceType.PROJECT)
    )
    with pytest.raises(NotFoundException):
        api.move_case_to_project("OPS-1", bad_move)
    with pytest.raises(ApiException) as conflict:
        _project(api, "Again", "OPS")
    assert conflict.value.status == 409
