"""The error-tracking API's automation rules: an ordered list, first match wins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from bot.errortracking import InvalidRule
from bot.web.api.caller import Call
from bot.web.api.document import refusal, request_body
from bot.web.api.errors import ApiError
from bot.web.api.models import error_tracking_requests as bodies
from bot.web.api.models import error_tracking_resources as models
from bot.web.api.models import error_tracking_rule_requests as rule_bodies
from bot.web.api.models.fields import given
from bot.web.api.routing import ERROR_TRACKING_PREFIX, ApiRoute
from bot.web.error_tracking import resources as wire
from bot.web.error_tracking.calls import (
    NOT_FOUND,
    Json,
    Reader,
    RuleId,
    Writer,
    rules_of,
    run,
)

router = APIRouter(prefix=ERROR_TRACKING_PREFIX, route_class=ApiRoute, tags=["Error Tracking"])


# --- Rules ----------------------------------------------------------------------


def _rule_list(call: Call) -> Json:
    return {"data": [wire.rule_resource(rule) for rule in rules_of(call).list()]}


@router.get(
    "/rules",
    operation_id="list_rules",
    summary="List the automation rules in order",
    response_model=models.ErrorTrackingRulesResponse,
)
async def list_rules(caller: Reader) -> Any:
    return await run(caller, _rule_list)


@router.post(
    "/rules",
    status_code=201,
    operation_id="create_rule",
    summary="Add an automation rule (default: last)",
    response_model=models.ErrorTrackingRuleResponse,
    openapi_extra=request_body(rule_bodies.ErrorTrackingRuleCreateRequest),
    responses=NOT_FOUND,
)
async def create_rule(caller: Writer) -> Any:
    wanted = (await caller.body(rule_bodies.ErrorTrackingRuleCreateRequest)).data
    project = bodies.project_of(wanted.relationships)
    attributes = wanted.attributes
    assert project is not None

    def add(call: Call) -> Json:
        rule = rules_of(call).add(
            query=attributes.query,
            project=project,
            auto_create=bool(given(attributes.auto_create, False)),
            position=given(attributes.position, None),
        )
        return {"data": wire.rule_resource(rule)}

    return await run(caller, add)


@router.post(
    "/rules/reorder",
    operation_id="reorder_rules",
    summary="Put the rules in a new order",
    response_model=models.ErrorTrackingRulesResponse,
    openapi_extra=request_body(rule_bodies.ErrorTrackingRuleOrderRequest),
    responses={**NOT_FOUND, 409: refusal("Conflict: the new order does not name every rule")},
)
async def reorder_rules(caller: Writer) -> Any:
    order = [
        rule.id for rule in (await caller.body(rule_bodies.ErrorTrackingRuleOrderRequest)).data
    ]

    def reorder(call: Call) -> Json:
        try:
            rules_of(call).reorder(order)
        except InvalidRule as refused:
            # A well-formed order of another rule list (one was added or removed meanwhile).
            raise ApiError(409, f"{refused.field}: {refused.message}") from None
        return _rule_list(call)

    return await run(caller, reorder)


@router.get(
    "/rules/{rule_id}",
    operation_id="get_rule",
    summary="Get an automation rule",
    response_model=models.ErrorTrackingRuleResponse,
    responses=NOT_FOUND,
)
async def get_rule(rule_id: RuleId, caller: Reader) -> Any:
    return await run(caller, lambda call: {"data": wire.rule_resource(rules_of(call).get(rule_id))})


@router.put(
    "/rules/{rule_id}",
    operation_id="update_rule",
    summary="Change an automation rule (what is given)",
    response_model=models.ErrorTrackingRuleResponse,
    openapi_extra=request_body(rule_bodies.ErrorTrackingRuleUpdateRequest),
    responses=NOT_FOUND,
)
async def update_rule(rule_id: RuleId, caller: Writer) -> Any:
    wanted = (await caller.body(rule_bodies.ErrorTrackingRuleUpdateRequest)).data
    attributes = wanted.attributes

    def update(call: Call) -> Json:
        rule = rules_of(call).update(
            rule_id,
            query=given(attributes.query, None),
            project=bodies.project_of(wanted.relationships),
            auto_create=given(attributes.auto_create, None),
            position=given(attributes.position, None),
        )
        return {"data": wire.rule_resource(rule)}

    return await run(caller, update)


@router.delete(
    "/rules/{rule_id}",
    status_code=204,
    operation_id="delete_rule",
    summary="Remove an automation rule",
    response_class=Response,
    responses=NOT_FOUND,
)
async def delete_rule(rule_id: RuleId, caller: Writer) -> Response:
    await run(caller, lambda call: rules_of(call).delete(rule_id))
    return Response(status_code=204)
