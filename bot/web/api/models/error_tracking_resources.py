"""The error-tracking API's answers: issues (first and last seen in epoch milliseconds),
search results, activity and automation rules. casebot adds members Datadog's
clients ignore (`title`, `team`, `total_count`, the `project` relationship)."""

from __future__ import annotations

import typing
import uuid
from typing import Annotated, Any, Literal

from pydantic import MISSING, BaseModel, ConfigDict, Field, WithJsonSchema

from bot.core.issues import IssueState
from bot.web.api.models.case_resources import Case, NullableTimestamp, Timestamp, User

IssueStateValue = Literal["OPEN", "ACKNOWLEDGED", "RESOLVED", "IGNORED", "EXCLUDED"]
assert set(typing.get_args(IssueStateValue)) == {state.value for state in IssueState}
Millis = Annotated[int, Field(description="Epoch milliseconds")]
NullableUuid = Annotated[str | None, WithJsonSchema({"type": ["string", "null"], "format": "uuid"})]


class _Resource(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Related(_Resource):
    id: uuid.UUID
    type: str


class Reference(_Resource):
    data: Related | None


class Regression(_Resource):
    resolved_at: NullableTimestamp
    regressed_at: NullableTimestamp
    regressed_at_version: str | None


class IssueAttributes(_Resource):
    title: str
    service: str
    team: str | None
    env: str | None
    error_type: str
    error_message: str
    fingerprint: str
    state: IssueStateValue = Field(description="OPEN = FOR REVIEW, ACKNOWLEDGED = REVIEWED")
    state_label: Literal["FOR REVIEW", "REVIEWED", "RESOLVED", "IGNORED", "EXCLUDED"]
    first_seen: Millis
    last_seen: Millis
    first_seen_version: str | None
    last_seen_version: str | None
    total_count: int = Field(ge=0)
    is_regression: bool
    regression: Regression | MISSING = MISSING


class IssueRelationships(_Resource):
    assignee: Reference
    case: Reference
    project: Reference


class ErrorTrackingIssue(_Resource):
    id: uuid.UUID
    type: Literal["issue"]
    attributes: IssueAttributes
    relationships: IssueRelationships


class ErrorTrackingCaseMeta(_Resource):
    """After an assignment or a comment: the issue's case."""

    case_key: str | None = Field(description="The issue's case")
    case_created: bool = Field(description="This change created it")
    no_case_reason: str | None = Field(description="Why an issue without a case did not get one")


class ErrorTrackingIssueResponse(_Resource):
    data: ErrorTrackingIssue
    included: list[Case | User] | MISSING = MISSING
    meta: ErrorTrackingCaseMeta | MISSING = MISSING


class ErrorTrackingIssuesResponse(_Resource):
    data: list[ErrorTrackingIssue]


class EventMeta(_Resource):
    recorded: bool = Field(description="False for an EXCLUDED issue: nothing was collected")
    new_issue: bool
    regression: bool
    rule_id: str | None = Field(description="The rule that routed it")
    case_key: str | None = Field(description="The case auto-created")


class ErrorTrackingEventResponse(_Resource):
    data: ErrorTrackingIssue
    meta: EventMeta


class SearchResultAttributes(_Resource):
    total_count: int


class SearchResultRelationships(_Resource):
    issue: Reference


class SearchResult(_Resource):
    id: uuid.UUID
    type: Literal["error_tracking_search_result"]
    attributes: SearchResultAttributes
    relationships: SearchResultRelationships


class ErrorTrackingSearchResponse(_Resource):
    data: list[SearchResult]
    included: list[ErrorTrackingIssue]


class ErrorTrackingCaseResponse(_Resource):
    data: Case
    included: list[ErrorTrackingIssue]


class ActivityAuthor(_Resource):
    id: NullableUuid
    name: str
    source: str


class ActivityAttributes(_Resource):
    type: str = Field(
        description="CREATED, ROUTED, REGRESSION, STATE, ASSIGNEE, COMMENT, LINKED or UNLINKED"
    )
    message: str
    data: dict[str, Any]
    author: ActivityAuthor
    created_at: Timestamp


class ErrorTrackingActivity(_Resource):
    id: str
    type: Literal["issue_activity"]
    attributes: ActivityAttributes


class ErrorTrackingActivityResponse(_Resource):
    data: list[ErrorTrackingActivity]


class ErrorTrackingCommentResponse(_Resource):
    data: ErrorTrackingActivity
    meta: ErrorTrackingCaseMeta


class RuleAttributes(_Resource):
    query: str
    auto_create: bool
    position: int = Field(ge=0)


class RuleRelationships(_Resource):
    project: Reference


class ErrorTrackingRule(_Resource):
    id: uuid.UUID
    type: Literal["error_tracking_rule"]
    attributes: RuleAttributes
    relationships: RuleRelationships


class ErrorTrackingRuleResponse(_Resource):
    data: ErrorTrackingRule


class ErrorTrackingRulesResponse(_Resource):
    data: list[ErrorTrackingRule]
