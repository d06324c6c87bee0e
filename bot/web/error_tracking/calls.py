"""What the error-tracking routes share: the key dependencies, path and query
parameters, the services a call works with, and the services' refusals as answers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query
from pydantic import WithJsonSchema

from bot.errortracking import (
    AutomationRules,
    CaseOutcome,
    IssueNotFound,
    IssueService,
    NoProjectForCase,
    RuleNotFound,
)
from bot.services.errors import InvalidChange
from bot.services.users import UserReader
from bot.web.api.caller import READ_ERROR_TRACKING, WRITE_ERROR_TRACKING, Call, Caller
from bot.web.api.document import Responses, refusal
from bot.web.api.errors import ApiError
from bot.web.api.models.fields import NOT_BLANK
from bot.web.api.resources import case_resource, user_resource
from bot.web.error_tracking import resources as wire

Reader = Annotated[Caller, Depends(READ_ERROR_TRACKING)]
Writer = Annotated[Caller, Depends(WRITE_ERROR_TRACKING)]
# Datadog's `include` values; casebot has no team objects, so `team_owners` adds nothing.
INCLUDES = ("assignee", "case", "team_owners")
SET_REASON_FIRST = (
    "set the case's closing reason first with POST /api/v2/cases/{case_id}/resolved_reason"
)
SECURITY_CLOSE = (
    "the change would close a linked SECURITY case that has no closing reason; "
    "set one first with POST /api/v2/cases/{case_id}/resolved_reason"
)
NOT_FOUND: Responses = {
    404: refusal("Not Found: no such issue, case, project, user or rule (`errors` says which)")
}
Json = dict[str, Any]
R = TypeVar("R")

_UUID_TEXT = WithJsonSchema({"type": "string", "format": "uuid"})
IssueId = Annotated[str, _UUID_TEXT, Path(description="The issue's UUID")]
RuleId = Annotated[str, _UUID_TEXT, Path(description="The rule's UUID")]
# What the routes read: comma-separated names, white space around each and empty parts
# ignored (the white space is Python's str.strip()'s, spelled out as in NOT_BLANK).
_SPACE = NOT_BLANK.replace("[^", "[", 1) + "*"
_PART = rf"{_SPACE}({'|'.join(INCLUDES)})?{_SPACE}"
Include = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "pattern": rf"^{_PART}(,{_PART})*$"}),
    Query(
        description="Related resources to add under `included`: "
        + ", ".join(INCLUDES)
        + " (comma-separated; `team_owners` adds nothing)"
    ),
]


def issues_of(call: Call) -> IssueService:
    return IssueService(call.conn, now=call.now, listeners=call.listeners)


def rules_of(call: Call) -> AutomationRules:
    return AutomationRules(call.conn, now=call.now)


async def run(caller: Caller, work: Callable[[Call], R]) -> R:
    """`work` with the error-tracking services' refusals answered."""

    def guarded(call: Call) -> R:
        try:
            return work(call)
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

    return await caller.run(guarded)


def issue_document(call: Call, issue_id: str, include: str | None) -> Json:
    issue = issues_of(call).get(issue_id)
    document: Json = {"data": wire.issue_resource(issue)}
    included = included_of(call, include, issue.assignee_id, issue.case_id)
    if included:
        document["included"] = included
    return document


def included_of(
    call: Call, include: str | None, assignee_id: object, case_id: object
) -> list[Json]:
    wanted = {part.strip() for part in (include or "").split(",") if part.strip()}
    unknown = wanted - set(INCLUDES)
    if unknown:
        raise ApiError(400, f"include: unknown {sorted(unknown)}; use {', '.join(INCLUDES)}")
    included: list[Json] = []
    if "case" in wanted and case_id is not None:
        included.append(case_resource(issues_of(call).cases.get(str(case_id))))
    if "assignee" in wanted and isinstance(assignee_id, uuid.UUID):
        user = UserReader(call.conn).find(assignee_id)
        if user is not None:
            included.append(user_resource(user))
    return included


def case_meta(outcome: CaseOutcome) -> Json:
    return {
        "case_key": outcome.case.key if outcome.case is not None else None,
        "case_created": outcome.created,
        "no_case_reason": outcome.not_created,
    }
