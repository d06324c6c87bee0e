"""The error-tracking API's JSON: reading request bodies, writing resources.

Shapes follow Datadog's error-tracking API (issue resources of type `issue`,
first/last seen in epoch milliseconds, `{"data": {"type":
"error_tracking_issue", "attributes": {"state": …}}}` to change a state);
casebot adds members Datadog's clients ignore (`title`, `team`, `total_count`,
the `project` relationship).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.issues import Activity, Issue, IssueState
from bot.core.rules import Rule
from bot.errortracking.automation import QUERY_MAX
from bot.errortracking.intake import ErrorEvent
from bot.web.api.errors import ApiError, bad_request
from bot.web.api.json_body import Member, data, decode
from bot.web.api.resources import timestamp

Json = dict[str, Any]

ISSUE_TYPE = "issue"
STATE_TYPE = "error_tracking_issue"
ASSIGNEE_TYPE = "assignee"
EVENT_TYPE = "error_event"
SEARCH_TYPE = "search_request"
RULE_TYPE = "error_tracking_rule"
ORDER_BY = ("TOTAL_COUNT", "FIRST_SEEN", "LAST_SEEN")
# Year 1970..9999 in epoch milliseconds: anything else is not a time.
MS_MAX = 253_402_300_799_999


def millis(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def _ref(kind: str, ident: uuid.UUID | str | None) -> Json:
    return {"data": {"id": str(ident), "type": kind} if ident is not None else None}


def issue_resource(issue: Issue) -> Json:
    regression = issue.regression
    attributes: Json = {
        "title": issue.title,
        "service": issue.service,
        "team": issue.team,
        "env": issue.env,
        "error_type": issue.error_type,
        "error_message": issue.error_message,
        "fingerprint": issue.fingerprint,
        "state": issue.state.value,
        "state_label": issue.state.label,
        "first_seen": millis(issue.first_seen),
        "last_seen": millis(issue.last_seen),
        "first_seen_version": issue.first_seen_version,
        "last_seen_version": issue.last_seen_version,
        "total_count": issue.occurrences,
        "is_regression": regression is not None,
    }
    if regression is not None:
        attributes["regression"] = {
            "resolved_at": timestamp(regression.resolved_at),
            "regressed_at": timestamp(regression.regressed_at),
            "regressed_at_version": regression.regressed_at_version,
        }
    return {
        "id": str(issue.id),
        "type": ISSUE_TYPE,
        "attributes": attributes,
        "relationships": {
            "assignee": _ref("user", issue.assignee_id),
            "case": _ref("case", issue.case_id),
            "project": _ref("project", issue.project_id),
        },
    }


def search_result(issue: Issue) -> Json:
    return {
        "id": str(issue.id),
        "type": "error_tracking_search_result",
        "attributes": {"total_count": issue.occurrences},
        "relationships": {"issue": {"data": {"id": str(issue.id), "type": ISSUE_TYPE}}},
    }


def activity_resource(entry: Activity) -> Json:
    return {
        "id": str(entry.id),
        "type": "issue_activity",
        "attributes": {
            "type": entry.kind.upper(),
            "message": entry.body,
            "data": entry.data,
            "author": {
                "id": str(entry.actor.user_id) if entry.actor.user_id else None,
                "name": entry.actor.name,
                "source": str(entry.actor.source),
            },
            "created_at": timestamp(entry.created_at),
        },
    }


def rule_resource(rule: Rule) -> Json:
    return {
        "id": rule.id,
        "type": RULE_TYPE,
        "attributes": {
            "query": rule.query,
            "auto_create": rule.auto_create,
            "position": rule.position,
        },
        "relationships": {"project": _ref("project", rule.project_id)},
    }


# --- Request bodies -------------------------------------------------------------


def _optional_text(member: Member) -> str | None:
    if not member.present or member.is_null:
        return None
    return member.string()


def _message(member: Member) -> str:
    """An error message: may be empty (an error without one is still an error)."""
    if not member.present or member.is_null:
        return ""
    return member.string(allow_empty=True)


def _time(member: Member) -> datetime | None:
    """Epoch milliseconds (Datadog's habit) or an RFC 3339 string with a zone."""
    if not member.present or member.is_null:
        return None
    value = member.value
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MS_MAX:
            raise bad_request(f"{member.path} is not a time in epoch milliseconds")
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        # RFC 3339 allows a lower-case `z`, which datetime.fromisoformat does not read.
        text = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise bad_request(f"{member.path} must be an RFC 3339 time with a zone, got {value!r}")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            raise bad_request(f"{member.path} is out of range in UTC, got {value!r}") from None
    raise bad_request(f"{member.path} must be epoch milliseconds or an RFC 3339 string")


def parse_event(raw: bytes) -> ErrorEvent:
    """`{"data": {"type": "error_event", "attributes": {service, error: {type, message}, …}}}`."""
    attributes = data(decode(raw), EVENT_TYPE).get("attributes").obj()
    error = attributes.get("error").optional_obj()
    if error is not None:
        error_type = error.get("type").string()
        message = _message(error.get("message"))
    else:
        error_type = attributes.get("error_type").string()
        message = _message(attributes.get("error_message"))
    return ErrorEvent(
        service=attributes.get("service").string(),
        error_type=error_type,
        error_message=message,
        title=_optional_text(attributes.get("title")),
        fingerprint=_optional_text(attributes.get("fingerprint")),
        team=_optional_text(attributes.get("team")),
        env=_optional_text(attributes.get("env")),
        version=_optional_text(attributes.get("version")),
        occurred_at=_time(attributes.get("timestamp")),
    )


def parse_state(raw: bytes, issue_id: str) -> IssueState:
    body = data(decode(raw), STATE_TYPE)
    _same_id(body, issue_id)
    member = body.get("attributes").obj().get("state")
    text = member.string()
    try:
        return IssueState.parse(text)
    except ValueError as error:
        raise bad_request(f"{member.path}: {error}") from None


def parse_assignee(raw: bytes) -> uuid.UUID:
    return data(decode(raw), ASSIGNEE_TYPE).get("id").uuid()


def parse_comment(raw: bytes) -> str:
    return data(decode(raw), "comment").get("attributes").obj().get("comment").string()


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """Either link to `case_ref`, or create a case (in `project`, titled `title`)."""

    case_ref: str | None = None
    project: str | None = None
    title: str | None = None
    priority: str | None = None


def parse_case_request(raw: bytes) -> CaseRequest:
    if not raw.strip():
        return CaseRequest()
    body = data(decode(raw), "case")
    case_id = body.get("id")
    if case_id.present:
        return CaseRequest(case_ref=case_id.string())
    attributes = body.get("attributes").optional_obj()
    project = _relationship(body, "project")
    if attributes is None:
        return CaseRequest(project=project)
    return CaseRequest(
        project=project,
        title=_optional_text(attributes.get("title")),
        priority=_optional_text(attributes.get("priority")),
    )


@dataclass(frozen=True, slots=True)
class Search:
    query: str | None
    states: tuple[IssueState, ...]
    assignee_ids: tuple[uuid.UUID, ...]
    seen_from: datetime | None
    seen_to: datetime | None
    order_by: str


def parse_search(raw: bytes) -> Search:
    attributes = data(decode(raw), SEARCH_TYPE).get("attributes").obj()
    states: list[IssueState] = []
    member = attributes.get("states")
    if member.present:
        for index, text in enumerate(member.string_list()):
            try:
                states.append(IssueState.parse(text))
            except ValueError as error:
                raise bad_request(f"{member.path}[{index}]: {error}") from None
    assignees = attributes.get("assignee_ids")
    assignee_ids = []
    if assignees.present:
        for index, text in enumerate(assignees.string_list()):
            assignee_ids.append(Member(f"{assignees.path}[{index}]", text).uuid())
    query = attributes.get("query")
    return Search(
        # An empty query, like none, matches everything.
        query=None
        if not query.present or query.is_null
        else query.string(allow_empty=True, max_length=QUERY_MAX),
        states=tuple(states),
        assignee_ids=tuple(assignee_ids),
        seen_from=_time(attributes.get("from")),
        seen_to=_time(attributes.get("to")),
        order_by=attributes.get("order_by").optional_choice(ORDER_BY) or "TOTAL_COUNT",
    )


@dataclass(frozen=True, slots=True)
class RuleRequest:
    query: str | None
    project: str | None
    auto_create: bool | None
    position: int | None


def parse_rule(raw: bytes, *, creating: bool) -> RuleRequest:
    body = data(decode(raw), RULE_TYPE)
    attributes = body.get("attributes").obj()
    query = attributes.get("query")
    project = _relationship(body, "project")
    if creating and project is None:
        raise bad_request(
            "data.relationships.project is required: the project cases of matching issues go to"
        )
    position = attributes.get("position")
    where: int | None = None
    if position.present and not position.is_null:
        if not isinstance(position.value, int) or isinstance(position.value, bool):
            raise bad_request(f"{position.path} must be a whole number")
        where = position.value
    return RuleRequest(
        query=query.string() if creating else query.optional_string(),
        project=project,
        auto_create=attributes.get("auto_create").optional_boolean(),
        position=where,
    )


def parse_rule_order(raw: bytes) -> list[str]:
    body = decode(raw).get("data")
    if not isinstance(body.value, list):
        raise bad_request("data must be an array of {id, type} naming every rule in order")
    ids: list[str] = []
    for index, item in enumerate(body.value):
        member = Member(f"data[{index}]", item).obj()
        member.get("type").resource_type(RULE_TYPE)
        rule_id = member.get("id")
        if rule_id.string() in ids:
            raise bad_request(f"{rule_id.path}: the new order names rule {rule_id.value} twice")
        ids.append(rule_id.value)
    return ids


def _relationship(body: Member, name: str) -> str | None:
    relationships = body.get("relationships").optional_obj()
    if relationships is None:
        return None
    related = relationships.get(name).optional_obj(nullable=True)
    if related is None:
        return None
    return related.get("data").obj().get("id").string()


def _same_id(body: Member, issue_id: str) -> None:
    member = body.get("id")
    if member.present and member.string().strip().lower() != issue_id.strip().lower():
        # JSON:API: a resource id that differs from the endpoint's is a conflict.
        raise ApiError(
            409, f"{member.path} is {member.value!r} but the path names issue {issue_id}"
        )
