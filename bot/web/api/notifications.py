"""Datadog's notification rules and case watchers under /api/v2/cases.

`/cases/projects/{project_id}/notification_rules[/{notification_rule_id}]`: list,
create, update (PUT, the members given), delete. `/cases/{case_id}/watchers`: list;
`/cases/{case_id}/watchers/{user_uuid}`: watch (POST) and unwatch (DELETE).
Reads need `cases_read`, changes `cases_write`. What the rules and watchers do is
bot/services/notifier.py; docs/notifications.md tells users.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, BeforeValidator, WithJsonSchema
from starlette.responses import Response

from bot.core.cases import User
from bot.core.notifications import NotificationRule
from bot.services.notification_rules import NotificationRules, Watchers
from bot.web.api.caller import READ_CASES, WRITE_CASES, Call, Caller
from bot.web.api.document import refusal, request_body
from bot.web.api.models import notifications as models
from bot.web.api.models.fields import refuse
from bot.web.api.query_params import CaseId, ProjectId
from bot.web.api.routing import PREFIX, ApiRoute

router = APIRouter(prefix=PREFIX, route_class=ApiRoute, tags=["Case Management"])
ReadCases = Annotated[Caller, Depends(READ_CASES)]
WriteCases = Annotated[Caller, Depends(WRITE_CASES)]
NOT_FOUND = refusal("Not Found")
Json = dict[str, Any]
RULES = "/cases/projects/{project_id}/notification_rules"


def _uuid(what: str) -> Any:
    def read(value: Any) -> str:
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise refuse(f"must be a {what} UUID, got {value!r}") from None

    return read


RuleId = Annotated[
    str,
    BeforeValidator(_uuid("notification rule")),
    WithJsonSchema({"type": "string", "format": "uuid"}),
    Path(description="The notification rule's id"),
]
UserUuid = Annotated[
    str,
    BeforeValidator(_uuid("user")),
    WithJsonSchema({"type": "string", "format": "uuid"}),
    Path(description="The user's id"),
]


def rule_resource(rule: NotificationRule) -> Json:
    return {
        "id": str(rule.id),
        "type": "notification_rule",
        "attributes": {
            "is_enabled": rule.is_enabled,
            "query": rule.query,
            "recipients": [{"type": r.type.value, "data": dict(r.data)} for r in rule.recipients],
            "triggers": [{"type": t.type.value, "data": dict(t.data)} for t in rule.triggers],
        },
    }


def watcher_resource(user: User) -> Json:
    return {
        "id": str(user.id),
        "type": "watcher",
        "relationships": {"user": {"data": {"id": str(user.id), "type": "users"}}},
    }


def _typed(items: list[models.Trigger] | list[models.Recipient]) -> list[Json]:
    found: list[Json] = []
    for item in items:
        data = item.data
        shown = data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else {}
        found.append({"type": item.type, "data": shown})
    return found


@router.get(
    RULES,
    operation_id="get_project_notification_rules",
    summary="Get notification rules",
    response_model=models.RulesResponse,
    responses={404: NOT_FOUND},
)
async def get_project_notification_rules(project_id: ProjectId, caller: ReadCases) -> Any:
    def listing(call: Call) -> Json:
        rules = NotificationRules(call.conn, now=call.now).list(project_id)
        return {"data": [rule_resource(rule) for rule in rules]}

    return await caller.run(listing)


@router.post(
    RULES,
    status_code=201,
    operation_id="create_project_notification_rule",
    summary="Create a notification rule",
    response_model=models.RuleResponse,
    openapi_extra=request_body(models.RuleCreateRequest),
    responses={404: NOT_FOUND},
)
async def create_project_notification_rule(project_id: ProjectId, caller: WriteCases) -> Any:
    new = (await caller.body(models.RuleCreateRequest)).data.attributes

    def create(call: Call) -> Json:
        rule = NotificationRules(call.conn, now=call.now).create(
            project_id,
            query=new.query if isinstance(new.query, str) else "",
            triggers=_typed(new.triggers),
            recipients=_typed(new.recipients),
            is_enabled=new.is_enabled if isinstance(new.is_enabled, bool) else True,
        )
        return {"data": rule_resource(rule)}

    return await caller.run(create)


@router.put(
    RULES + "/{notification_rule_id}",
    status_code=204,
    operation_id="update_project_notification_rule",
    summary="Update a notification rule",
    response_class=Response,
    openapi_extra=request_body(models.RuleUpdateRequest),
    responses={404: NOT_FOUND},
)
async def update_project_notification_rule(
    project_id: ProjectId, notification_rule_id: RuleId, caller: WriteCases
) -> Response:
    given = (await caller.body(models.RuleUpdateRequest)).data.attributes
    change = given if isinstance(given, models.RuleUpdateAttributes) else None

    def update(call: Call) -> None:
        triggers = change.triggers if change else None
        recipients = change.recipients if change else None
        NotificationRules(call.conn, now=call.now).update(
            project_id,
            notification_rule_id,
            query=change.query if change and isinstance(change.query, str) else None,
            triggers=_typed(triggers) if isinstance(triggers, list) else None,
            recipients=_typed(recipients) if isinstance(recipients, list) else None,
            is_enabled=change.is_enabled
            if change and isinstance(change.is_enabled, bool)
            else None,
        )

    await caller.run(update)
    return Response(status_code=204)


@router.delete(
    RULES + "/{notification_rule_id}",
    status_code=204,
    operation_id="delete_project_notification_rule",
    summary="Delete a notification rule",
    response_class=Response,
    responses={404: NOT_FOUND},
)
async def delete_project_notification_rule(
    project_id: ProjectId, notification_rule_id: RuleId, caller: WriteCases
) -> Response:
    await caller.run(
        lambda call: NotificationRules(call.conn, now=call.now).delete(
            project_id, notification_rule_id
        )
    )
    return Response(status_code=204)


@router.get(
    "/cases/{case_id}/watchers",
    operation_id="list_case_watchers",
    summary="List case watchers",
    response_model=models.WatchersResponse,
    responses={404: NOT_FOUND},
)
async def list_case_watchers(case_id: CaseId, caller: ReadCases) -> Any:
    def listing(call: Call) -> Json:
        users = Watchers(call.conn, now=call.now).list(case_id)
        return {"data": [watcher_resource(user) for user in users]}

    return await caller.run(listing)


@router.post(
    "/cases/{case_id}/watchers/{user_uuid}",
    status_code=204,
    operation_id="watch_case",
    summary="Watch a case",
    response_class=Response,
    responses={404: NOT_FOUND},
)
async def watch_case(case_id: CaseId, user_uuid: UserUuid, caller: WriteCases) -> Response:
    await caller.run(
        lambda call: Watchers(call.conn, now=call.now).watch(case_id, uuid.UUID(user_uuid))
    )
    return Response(status_code=204)


@router.delete(
    "/cases/{case_id}/watchers/{user_uuid}",
    status_code=204,
    operation_id="unwatch_case",
    summary="Unwatch a case",
    response_class=Response,
    responses={404: NOT_FOUND},
)
async def unwatch_case(case_id: CaseId, user_uuid: UserUuid, caller: WriteCases) -> Response:
    await caller.run(
        lambda call: Watchers(call.conn, now=call.now).unwatch(case_id, uuid.UUID(user_uuid))
    )
    return Response(status_code=204)
