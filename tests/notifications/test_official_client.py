"""The official `datadog-api-client` `CaseManagementApi` manages notification rules and
case watchers against a casebot server: every answer parses into the client's models;
bad input is a 400 naming the member; keys without the scope are refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ForbiddenException, NotFoundException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.model.case_notification_rule_attributes import (
    CaseNotificationRuleAttributes,
)
from datadog_api_client.v2.model.case_notification_rule_create import CaseNotificationRuleCreate
from datadog_api_client.v2.model.case_notification_rule_create_attributes import (
    CaseNotificationRuleCreateAttributes,
)
from datadog_api_client.v2.model.case_notification_rule_create_request import (
    CaseNotificationRuleCreateRequest,
)
from datadog_api_client.v2.model.case_notification_rule_recipient import (
    CaseNotificationRuleRecipient,
)
from datadog_api_client.v2.model.case_notification_rule_recipient_data import (
    CaseNotificationRuleRecipientData,
)
from datadog_api_client.v2.model.case_notification_rule_resource_type import (
    CaseNotificationRuleResourceType,
)
from datadog_api_client.v2.model.case_notification_rule_trigger import (
    CaseNotificationRuleTrigger,
)
from datadog_api_client.v2.model.case_notification_rule_trigger_data import (
    CaseNotificationRuleTriggerData,
)
from datadog_api_client.v2.model.case_notification_rule_update import CaseNotificationRuleUpdate
from datadog_api_client.v2.model.case_notification_rule_update_request import (
    CaseNotificationRuleUpdateRequest,
)
from sqlalchemy import Engine

from bot.core.cases import Actor
from bot.db.engine import make_engine
from bot.services.destinations import Destinations
from tests import local_http
from tests.api.server import Keys, casebot_app, key_pair, running
from tests.builders import make_case, make_project, make_user

RULE = CaseNotificationRuleResourceType.NOTIFICATION_RULE


@dataclass
class Served:
    base_url: str
    database_url: str
    engine: Engine
    keys: Keys

    def api(self, *scopes: str) -> CaseManagementApi:
        keys = key_pair(self.database_url, *scopes, name="notify") if scopes else self.keys
        configuration = Configuration(host=self.base_url)  # type: ignore[no-untyped-call]
        configuration.api_key["apiKeyAuth"] = keys.api_key
        configuration.api_key["appKeyAuth"] = keys.application_key
        return CaseManagementApi(ApiClient(configuration))  # type: ignore[no-untyped-call]


@pytest.fixture
def served(migrated_database_url: str) -> Iterator[Served]:
    engine = make_engine(migrated_database_url)
    keys = key_pair(migrated_database_url, "cases_read", "cases_write", name="runbooks")
    try:
        with running(casebot_app(migrated_database_url)) as base_url:
            yield Served(base_url, migrated_database_url, engine, keys)
    finally:
        engine.dispose()


def _recipient(kind: str, **data: str) -> CaseNotificationRuleRecipient:
    return CaseNotificationRuleRecipient(type=kind, data=CaseNotificationRuleRecipientData(**data))


def _trigger(kind: str, **data: str) -> CaseNotificationRuleTrigger:
    if not data:
        return CaseNotificationRuleTrigger(type=kind)
    return CaseNotificationRuleTrigger(type=kind, data=CaseNotificationRuleTriggerData(**data))


def test_the_client_creates_lists_updates_and_deletes_rules(served: Served) -> None:
    with served.engine.begin() as conn:
        project = make_project(conn, name="Ops", key="OPS", handle="ops")
        Destinations(conn, now=datetime.now(UTC)).add(
            "ops-hook", "webhook", {"url": "http://127.0.0.1:9/hook"}
        )
    api = served.api()
    created = api.create_project_notification_rule(
        project_id=str(project.id),
        body=CaseNotificationRuleCreateRequest(
            data=CaseNotificationRuleCreate(
                type=RULE,
                attributes=CaseNotificationRuleCreateAttributes(
                    query="priority:(P1 OR P2) type:SECURITY",
                    is_enabled=True,
                    recipients=[
                        _recipient("EMAIL", email="oncall@example.com"),
                        _recipient("HTTP", name="ops-hook"),
                    ],
                    triggers=[
                        _trigger("CASE_CREATED"),
                        _trigger("STATUS_TRANSITIONED", to_status="CLOSED"),
                    ],
                ),
            )
        ),
    ).data
    assert created.type == RULE
    assert created.attributes.query == "priority:(P1 OR P2) type:SECURITY"
    assert created.attributes.recipients[1].data.name == "ops-hook"
    assert created.attributes.triggers[1].data.to_status == "CLOSED"
    (listed,) = api.get_project_notification_rules(project_id="OPS").data
    assert listed.id == created.id
    api.update_project_notification_rule(
        project_id=str(project.id),
        notification_rule_id=created.id,
        body=CaseNotificationRuleUpdateRequest(
            data=CaseNotificationRuleUpdate(
                type=RULE,
                attributes=CaseNotificationRuleAttributes(is_enabled=False, query="priority:P1"),
            )
        ),
    )
    (changed,) = api.get_project_notification_rules(project_id=str(project.id)).data
    assert (changed.attributes.is_enabled, changed.attributes.query) == (False, "priority:P1")
    assert len(changed.attributes.recipients) == 2
    api.delete_project_notification_rule(
        project_id=str(project.id), notification_rule_id=created.id
    )
    assert api.get_project_notification_rules(project_id=str(project.id)).data == []
    with pytest.raises(NotFoundException):
        api.delete_project_notification_rule(
            project_id=str(project.id), notification_rule_id=created.id
        )


def test_the_client_lists_adds_and_removes_watchers(served: Served) -> None:
    with served.engine.begin() as conn:
        project = make_project(conn)
        case = make_case(conn, project, actor=Actor.monitor())
        ana = make_user(conn, name="Ana Lopez", email="ana@example.com")
    api = served.api()
    assert api.list_case_watchers(case_id=case.key).data == []
    api.watch_case(case_id=case.key, user_uuid=str(ana.id))
    api.watch_case(case_id=str(case.id), user_uuid=served.keys.user_id)
    api.watch_case(case_id=case.key, user_uuid=str(ana.id))  # watching twice is harmless
    watchers = api.list_case_watchers(case_id=case.key).data
    assert [w.relationships.user.data.id for w in watchers] == [str(ana.id), served.keys.user_id]
    assert {str(w.type) for w in watchers} == {"watcher"}
    api.unwatch_case(case_id=case.key, user_uuid=str(ana.id))
    assert [w.id for w in api.list_case_watchers(case_id=case.key).data] == [served.keys.user_id]
    with pytest.raises(NotFoundException):
        api.unwatch_case(case_id=case.key, user_uuid=str(ana.id))
    with pytest.raises(NotFoundException):
        api.watch_case(case_id="NOPE-1", user_uuid=str(ana.id))


def test_keys_without_the_scope_are_refused(served: Served) -> None:
    with served.engine.begin() as conn:
        project = make_project(conn)
        case = make_case(conn, project, actor=Actor.monitor())
    reader = served.api("cases_read")
    assert reader.get_project_notification_rules(project_id=str(project.id)).data == []
    with pytest.raises(ForbiddenException):
        reader.watch_case(case_id=case.key, user_uuid=served.keys.user_id)
    with pytest.raises(ForbiddenException):
        served.api("monitors_read").list_case_watchers(case_id=case.key)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        pytest.param(
            {
                "triggers": [{"type": "CASE_EATEN"}],
                "recipients": [{"type": "EMAIL", "data": {"email": "a@b.io"}}],
            },
            "data.attributes.triggers[0].type: must be one of CASE_CREATED",
            id="unknown-trigger",
        ),
        pytest.param(
            {
                "triggers": [{"type": "CASE_CREATED"}],
                "recipients": [{"type": "EMAIL", "data": {"email": "nope"}}],
            },
            "data.attributes.recipients[0].data.email: must be an e-mail address, got 'nope'",
            id="bad-email",
        ),
        pytest.param(
            {
                "triggers": [{"type": "CASE_CREATED"}],
                "recipients": [{"type": "HTTP", "data": {"name": "nowhere"}}],
            },
            "data.attributes.recipients[0].data: no webhook destination named 'nowhere'",
            id="unknown-destination",
        ),
        pytest.param(
            {
                "query": "priority:(P1",
                "triggers": [{"type": "CASE_CREATED"}],
                "recipients": [{"type": "EMAIL", "data": {"email": "a@b.io"}}],
            },
            "data.attributes.query:",
            id="bad-query",
        ),
        pytest.param(
            {"triggers": [], "recipients": [{"type": "EMAIL", "data": {"email": "a@b.io"}}]},
            "data.attributes.triggers: must name at least one trigger",
            id="no-trigger",
        ),
        pytest.param(
            {
                "triggers": [{"type": "STATUS_TRANSITIONED", "data": {"to_status": "DONE"}}],
                "recipients": [{"type": "EMAIL", "data": {"email": "a@b.io"}}],
            },
            "data.attributes.triggers[0].data.to_status: must be Open, In Progress or Closed",
            id="bad-status",
        ),
    ],
)
def test_bad_rules_are_refused_naming_the_member(
    served: Served, attributes: dict[str, object], message: str
) -> None:
    with served.engine.begin() as conn:
        project = make_project(conn)
    answer = local_http.post(
        f"{served.base_url}/api/v2/cases/projects/{project.id}/notification_rules",
        json={"data": {"type": "notification_rule", "attributes": attributes}},
        headers=served.keys.headers,
    )
    assert answer.status_code == 400, answer.text
    (error,) = answer.json()["errors"]
    assert error.startswith(message), error
