"""The error-tracking API under /api/v2/error-tracking: intake, issues, cases, rules.

Same key pairs and error shape as the case API (bot/web/api): reads need the
`error_tracking_read` scope, changes `error_tracking_write`. Each route is a
work function run by `bot.web.api.endpoint.run` in one transaction off the
event loop; the services do the work and the case listeners (the case's Slack
message) hear of every case change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from bot.core.query import QuerySyntaxError, parse
from bot.db.users import user_from_row, users
from bot.errortracking import (
    AutomationRules,
    CaseOutcome,
    InvalidRule,
    IssueNotFound,
    IssueService,
    NoProjectForCase,
    RuleNotFound,
)
from bot.services.errors import InvalidChange
from bot.services.keys import Scope as KeyScope
from bot.web import error_tracking_wire as wire
from bot.web.api import query_params
from bot.web.api.auth import actor
from bot.web.api.endpoint import Answer, Call, run
from bot.web.api.errors import ApiError, error_response
from bot.web.api.resources import case_resource, user_resource
from bot.web.api.routes import HTTP_METHODS, by_method

PREFIX = "/api/v2/error-tracking"
READ, WRITE = KeyScope.ERROR_TRACKING_READ, KeyScope.ERROR_TRACKING_WRITE
# Datadog's `include` values; casebot has no team objects, so `team_owners` adds nothing.
INCLUDES = ("assignee", "case", "team_owners")
SET_REASON_FIRST = (
    "set the case's closing reason first with POST /api/v2/cases/{case_id}/resolved_reason"
)

Endpoint = Callable[[Request], Awaitable[Response]]
Work = Callable[[Call, Request], Answer]


def _issues(call: Call) -> IssueService:
    return IssueService(call.conn, now=call.now, listeners=call.listeners)


def _rules(call: Call) -> AutomationRules:
    return AutomationRules(call.conn, now=call.now)


def _endpoint(scope: KeyScope, work: Work, params: tuple[str, ...]) -> Endpoint:
    """`work` behind the key check; query parameters other than `params` are a 400."""

    async def endpoint(request: Request) -> Response:
        def guarded(call: Call) -> Answer:
            query_params.only(request.query_params, params)
            try:
                return work(call, request)
            except IssueNotFound as error:
                raise ApiError(404, f"error-tracking issue {error.ref} not found") from None
            except RuleNotFound as error:
                raise ApiError(404, f"automation rule {error.ref} not found") from None
            except NoProjectForCase as error:
                # The request is fine; the installation has no project for the case yet.
                raise ApiError(409, f"{error.field}: {error.message}") from None
            except InvalidChange as error:
                if error.field != "closing_reason":
                    raise
                # The request is fine; the linked SECURITY case is not ready to close.
                raise ApiError(409, f"{error.message}; {SET_REASON_FIRST}") from None

        return await run(request, scope, guarded)

    return endpoint


def _issue_answer(call: Call, request: Request, issue_id: str, status: int = 200) -> Answer:
    issue = _issues(call).get(issue_id)
    document: dict[str, object] = {"data": wire.issue_resource(issue)}
    included = _included(call, request, issue.assignee_id, issue.case_id)
    if included:
        document["included"] = included
    return Answer(status, document)


def _included(call: Call, request: Request, assignee_id: object, case_id: object) -> list[object]:
    wanted = {
        part.strip() for part in request.query_params.get("include", "").split(",") if part.strip()
    }
    unknown = wanted - set(INCLUDES)
    if unknown:
        raise ApiError(400, f"include: unknown {sorted(unknown)}; use {', '.join(INCLUDES)}")
    included: list[object] = []
    if "case" in wanted and case_id is not None:
        included.append(case_resource(_issues(call).cases.get(str(case_id))))
    if "assignee" in wanted and assignee_id is not None:
        row = call.conn.execute(users.select().where(users.c.id == assignee_id)).first()
        if row is not None:
            included.append(user_resource(user_from_row(row)))
    return included


# --- Issues ---------------------------------------------------------------------


def record_event(call: Call, _request: Request) -> Answer:
    event = wire.parse_event(call.body)
    recorded = _issues(call).record(event, actor=actor(call.key))
    meta = {
        "recorded": recorded.recorded,
        "new_issue": recorded.new_issue,
        "regression": recorded.regression,
        "rule_id": recorded.rule.id if recorded.rule else None,
        "case_key": recorded.case.key if recorded.case else None,
    }
    status = 201 if recorded.new_issue else 200
    return Answer(status, {"data": wire.issue_resource(recorded.issue), "meta": meta})


def get_issue(call: Call, request: Request) -> Answer:
    return _issue_answer(call, request, request.path_params["issue_id"])


def search_issues(call: Call, _request: Request) -> Answer:
    search = wire.parse_search(call.body)
    node = None
    if search.query and search.query.strip():
        try:
            node = parse(search.query)
        except QuerySyntaxError as error:
            raise ApiError(400, f"data.attributes.query: {error.message}") from None
    found = _issues(call).search(
        query=node,
        states=search.states,
        assignee_ids=search.assignee_ids,
        seen_from=search.seen_from,
        seen_to=search.seen_to,
        order_by=search.order_by,
    )
    return Answer(
        200,
        {
            "data": [wire.search_result(issue) for issue in found],
            "included": [wire.issue_resource(issue) for issue in found],
        },
    )


def update_state(call: Call, request: Request) -> Answer:
    issue_id = request.path_params["issue_id"]
    state = wire.parse_state(call.body, issue_id)
    _issues(call).set_state(issue_id, state, actor=actor(call.key))
    return _issue_answer(call, request, issue_id)


def update_assignee(call: Call, request: Request) -> Answer:
    """Assign; `meta` says which case the issue has and whether this created it."""
    issue_id = request.path_params["issue_id"]
    user_id = wire.parse_assignee(call.body)
    assigned = _issues(call).assign(issue_id, user_id, actor=actor(call.key))
    answer = _issue_answer(call, request, issue_id)
    answer.document["meta"] = _case_meta(assigned.case)
    return answer


def delete_assignee(call: Call, request: Request) -> Answer:
    _issues(call).unassign(request.path_params["issue_id"], actor=actor(call.key))
    return Answer(204)


def case_for_issue(call: Call, request: Request) -> Answer:
    """Link to the case named in the body, or create one (201)."""
    issue_id = request.path_params["issue_id"]
    wanted = wire.parse_case_request(call.body)
    service = _issues(call)
    if wanted.case_ref is not None:
        case = service.link(issue_id, wanted.case_ref, actor=actor(call.key))
        status = 200
    else:
        case = service.create_case(
            issue_id,
            actor=actor(call.key),
            project=wanted.project,
            title=wanted.title,
            priority=wanted.priority,
        )
        status = 201
    linked = [wire.issue_resource(issue) for issue in service.linked(case)]
    return Answer(status, {"data": case_resource(case), "included": linked})


def unlink_case(call: Call, request: Request) -> Answer:
    issue_id = request.path_params["issue_id"]
    _issues(call).unlink(issue_id, actor=actor(call.key))
    return _issue_answer(call, request, issue_id)


def comment(call: Call, request: Request) -> Answer:
    """Comment; `meta` says which case the issue has and whether this created it."""
    text = wire.parse_comment(call.body)
    done = _issues(call).comment(request.path_params["issue_id"], text, actor=actor(call.key))
    return Answer(201, {"data": wire.activity_resource(done.entry), "meta": _case_meta(done.case)})


def _case_meta(outcome: CaseOutcome) -> dict[str, object]:
    return {
        "case_key": outcome.case.key if outcome.case is not None else None,
        "case_created": outcome.created,
        "no_case_reason": outcome.not_created,
    }


def list_activity(call: Call, request: Request) -> Answer:
    entries = _issues(call).activity(request.path_params["issue_id"])
    return Answer(200, {"data": [wire.activity_resource(entry) for entry in entries]})


def case_issues(call: Call, request: Request) -> Answer:
    """The issues linked to a case (by id or key)."""
    issues = _issues(call).linked(request.path_params["case_id"])
    return Answer(200, {"data": [wire.issue_resource(issue) for issue in issues]})


# --- Rules ----------------------------------------------------------------------


def _rule_list(call: Call) -> Answer:
    return Answer(200, {"data": [wire.rule_resource(rule) for rule in _rules(call).list()]})


def list_rules(call: Call, _request: Request) -> Answer:
    return _rule_list(call)


def get_rule(call: Call, request: Request) -> Answer:
    return Answer(
        200, {"data": wire.rule_resource(_rules(call).get(request.path_params["rule_id"]))}
    )


def create_rule(call: Call, _request: Request) -> Answer:
    wanted = wire.parse_rule(call.body, creating=True)
    assert wanted.query is not None and wanted.project is not None
    rule = _rules(call).add(
        query=wanted.query,
        project=wanted.project,
        auto_create=bool(wanted.auto_create),
        position=wanted.position,
    )
    return Answer(201, {"data": wire.rule_resource(rule)})


def update_rule(call: Call, request: Request) -> Answer:
    wanted = wire.parse_rule(call.body, creating=False)
    rule = _rules(call).update(
        request.path_params["rule_id"],
        query=wanted.query,
        project=wanted.project,
        auto_create=wanted.auto_create,
        position=wanted.position,
    )
    return Answer(200, {"data": wire.rule_resource(rule)})


def delete_rule(call: Call, request: Request) -> Answer:
    _rules(call).delete(request.path_params["rule_id"])
    return Answer(204)


def reorder_rules(call: Call, _request: Request) -> Answer:
    try:
        _rules(call).reorder(wire.parse_rule_order(call.body))
    except InvalidRule as refusal:
        # A well-formed order of another rule list (one was added or removed meanwhile).
        raise ApiError(409, f"{refusal.field}: {refusal.message}") from None
    return _rule_list(call)


def routes() -> list[BaseRoute]:
    """Every route, relative to /api/v2/error-tracking."""
    issue = "/issues/{issue_id}"
    # The routes that answer with an issue document take `?include=`.
    with_include = ("include",)
    # Order matters: /issues/search and /rules/reorder before the paths they look like.
    table: tuple[tuple[str, str, KeyScope, Work, tuple[str, ...]], ...] = (
        ("POST", "/events", WRITE, record_event, ()),
        ("POST", "/issues/search", READ, search_issues, ()),
        ("GET", issue, READ, get_issue, with_include),
        ("PUT", f"{issue}/state", WRITE, update_state, with_include),
        ("PUT", f"{issue}/assignee", WRITE, update_assignee, with_include),
        ("DELETE", f"{issue}/assignee", WRITE, delete_assignee, ()),
        ("POST", f"{issue}/case", WRITE, case_for_issue, ()),
        ("DELETE", f"{issue}/case", WRITE, unlink_case, with_include),
        ("POST", f"{issue}/comment", WRITE, comment, ()),
        ("GET", f"{issue}/activity", READ, list_activity, ()),
        ("GET", "/cases/{case_id}/issues", READ, case_issues, ()),
        ("GET", "/rules", READ, list_rules, ()),
        ("POST", "/rules", WRITE, create_rule, ()),
        ("POST", "/rules/reorder", WRITE, reorder_rules, ()),
        ("GET", "/rules/{rule_id}", READ, get_rule, ()),
        ("PUT", "/rules/{rule_id}", WRITE, update_rule, ()),
        ("DELETE", "/rules/{rule_id}", WRITE, delete_rule, ()),
    )
    by_path: dict[str, dict[str, Endpoint]] = {}
    for method, path, scope, work, params in table:
        by_path.setdefault(path, {})[method] = _endpoint(scope, work, params)
    # One route per path, so that another method gets 405 listing every allowed one
    # (in the API's error shape) rather than a route of a look-alike path.
    return [
        Route(path, by_method(handlers), methods=HTTP_METHODS) for path, handlers in by_path.items()
    ]


async def _no_such_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope.get("path", "")
    response = error_response(ApiError(404, f"no error-tracking endpoint {path}"))
    await response(scope, receive, send)


def install(app: Starlette) -> None:
    """Mount the routes at /api/v2/error-tracking (before the case API's /api/v2 mount)."""
    router = Router(routes=routes(), default=_no_such_endpoint)
    app.router.routes.append(Mount(PREFIX, app=router))
