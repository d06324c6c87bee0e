"""Notification rules and case watchers: the bodies and resources of Datadog's API.

The shapes are `datadog-api-client`'s (`CaseNotificationRuleCreateRequest`,
`CaseNotificationRuleUpdateRequest`, `CaseNotificationRuleResponse`,
`CaseNotificationRulesResponse`, `CaseWatchersResponse`). Trigger and recipient
types are checked by the service, which names the member that is wrong.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import MISSING as MISSING
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from bot.core.notifications import RecipientType, TriggerType
from bot.web.api.models.fields import NotBlank

RuleKind = Literal["notification_rule"]
WatcherKind = Literal["watcher"]
UsersKind = Literal["users"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TriggerData(_Strict):
    change_type: str | MISSING = MISSING
    field: str | MISSING = Field(
        default=MISSING, description="priority, assignee, description, title or attributes"
    )
    from_status: str | MISSING = MISSING
    from_status_name: str | MISSING = MISSING
    to_status: str | MISSING = MISSING
    to_status_name: str | MISSING = MISSING


class Trigger(_Strict):
    type: NotBlank = Field(
        description="CASE_CREATED, STATUS_TRANSITIONED, ATTRIBUTE_VALUE_CHANGED, "
        "COMMENT_ADDED, MENTION or EVENT_CORRELATION_SIGNAL_CORRELATED",
        json_schema_extra={"enum": [t.value for t in TriggerType]},
    )
    data: TriggerData | MISSING = MISSING


class RecipientData(_Strict):
    channel: str | MISSING = MISSING
    channel_id: str | MISSING = MISSING
    channel_name: str | MISSING = MISSING
    connector_name: str | MISSING = MISSING
    email: str | MISSING = MISSING
    name: str | MISSING = MISSING
    service_name: str | MISSING = MISSING
    team_id: str | MISSING = MISSING
    team_name: str | MISSING = MISSING
    tenant_id: str | MISSING = MISSING
    tenant_name: str | MISSING = MISSING
    workspace: str | MISSING = MISSING
    workspace_id: str | MISSING = MISSING


class Recipient(_Strict):
    type: NotBlank = Field(
        description="EMAIL, HTTP (a webhook destination), MS_TEAMS_CHANNEL or PAGERDUTY_SERVICE",
        json_schema_extra={"enum": [t.value for t in RecipientType]},
    )
    data: RecipientData | MISSING = MISSING


class RuleCreateAttributes(_Strict):
    is_enabled: StrictBool | MISSING = MISSING
    query: str | MISSING = Field(default=MISSING, description="The case query language")
    recipients: list[Recipient] = Field(json_schema_extra={"minItems": 1})
    triggers: list[Trigger] = Field(json_schema_extra={"minItems": 1})


class RuleCreate(_Strict):
    type: RuleKind
    attributes: RuleCreateAttributes


class RuleCreateRequest(_Strict):
    data: RuleCreate


class RuleUpdateAttributes(_Strict):
    is_enabled: StrictBool | MISSING = MISSING
    query: str | MISSING = MISSING
    recipients: list[Recipient] | MISSING = Field(
        default=MISSING, json_schema_extra={"minItems": 1}
    )
    triggers: list[Trigger] | MISSING = Field(default=MISSING, json_schema_extra={"minItems": 1})


class RuleUpdate(_Strict):
    type: RuleKind
    attributes: RuleUpdateAttributes | MISSING = MISSING


class RuleUpdateRequest(_Strict):
    data: RuleUpdate


# --- Resources ------------------------------------------------------------------------


class TypedData(_Strict):
    type: str
    data: dict[str, str]


class RuleAttributes(_Strict):
    is_enabled: bool
    query: str
    recipients: list[TypedData]
    triggers: list[TypedData]


class Rule(_Strict):
    id: uuid.UUID
    type: RuleKind
    attributes: RuleAttributes


class RuleResponse(_Strict):
    data: Rule


class RulesResponse(_Strict):
    data: list[Rule]


class UserData(_Strict):
    id: uuid.UUID
    type: UsersKind


class WatcherUser(_Strict):
    data: UserData


class WatcherRelationships(_Strict):
    user: WatcherUser


class Watcher(_Strict):
    id: uuid.UUID
    type: WatcherKind
    relationships: WatcherRelationships


class WatchersResponse(_Strict):
    data: list[Watcher]
