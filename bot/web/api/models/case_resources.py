"""Cases, timeline cells and users as the API answers them.

The shapes are those `datadog-api-client` parses into `Case`, `User` and
`TimelineCellResource`: every member it declares is present with the declared
type, so the client's typed models come back without `_unparsed` values.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import MISSING, BaseModel, ConfigDict, Field, WithJsonSchema

from bot.web.api.models.case_requests import CaseKind, Priority, ProjectKind, Status, StatusName
from bot.web.api.models.custom_attributes import CustomAttributeValue

Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
NullableTimestamp = Annotated[
    str | None, WithJsonSchema({"type": ["string", "null"], "format": "date-time"})
]


class _Resource(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RelatedProject(_Resource):
    id: str
    type: ProjectKind


class ProjectReference(_Resource):
    data: RelatedProject


class RelatedUser(_Resource):
    id: str
    type: Literal["user"]


class UserReference(_Resource):
    data: RelatedUser | None


class CaseRelationships(_Resource):
    project: ProjectReference
    assignee: UserReference
    created_by: UserReference
    modified_by: UserReference = Field(
        description="The user behind the case's newest timeline entry"
    )


class CaseAttributes(_Resource):
    key: str = Field(examples=["OPS-12"])
    title: str
    description: str
    status: Status
    status_name: StatusName
    status_group: Literal["SG_OPEN", "SG_IN_PROGRESS", "SG_CLOSED"]
    priority: Priority
    type: str = Field(description="STANDARD, SECURITY, ... or a custom type")
    type_id: str
    attributes: dict[str, list[str]] = Field(
        description="Key -> list of strings (service, team, env, ...)"
    )
    custom_attributes: dict[str, CustomAttributeValue]
    creation_source: str
    security_resolved_reason: str | None
    created_at: Timestamp
    modified_at: NullableTimestamp
    closed_at: NullableTimestamp
    archived_at: NullableTimestamp


class Case(_Resource):
    id: uuid.UUID
    type: CaseKind
    attributes: CaseAttributes
    relationships: CaseRelationships


class CaseResponse(_Resource):
    data: Case


class CasesPage(_Resource):
    current: int = Field(description="Page number")
    size: int = Field(description="Number of cases in this page")
    total: int = Field(description="Total number of pages")


class CasesMeta(_Resource):
    page: CasesPage


class CasesResponse(_Resource):
    data: list[Case]
    meta: CasesMeta


class TimelineAuthorContent(_Resource):
    id: str | MISSING = MISSING
    name: str
    handle: str
    email: str | MISSING = MISSING


class TimelineAuthor(_Resource):
    type: Literal["USER"]
    content: TimelineAuthorContent


class TimelineMessage(_Resource):
    message: str


class TimelineCellAttributes(_Resource):
    type: str = Field(
        description="COMMENT for comments; other entries carry their kind "
        "(STATUS, PRIORITY, CUSTOM_ATTRIBUTES, MONITOR_TRANSITION, ...)"
    )
    cell_content: TimelineMessage
    author: TimelineAuthor
    created_at: Timestamp
    modified_at: Timestamp


class TimelineCell(_Resource):
    id: str
    type: Literal["timeline_cell"]
    attributes: TimelineCellAttributes


class TimelineResponse(_Resource):
    data: list[TimelineCell]


class UserAttributes(_Resource):
    uuid: str
    name: str | None
    handle: str
    email: str
    created_at: Timestamp
    modified_at: Timestamp
    disabled: bool
    status: str
    service_account: bool
    verified: bool


class User(_Resource):
    id: uuid.UUID
    type: Literal["users"]
    attributes: UserAttributes


class UsersPage(_Resource):
    total_count: int
    total_filtered_count: int


class UsersMeta(_Resource):
    page: UsersPage


class UsersResponse(_Resource):
    data: list[User]
    meta: UsersMeta
