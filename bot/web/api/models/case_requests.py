"""The request bodies of the case API, as the official `datadog-api-client` sends them
(`CaseCreateRequest`, `CaseUpdateStatusRequest`, ..., `ProjectRelationship`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import MISSING as MISSING
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from bot.core.custom_attributes import key_problem
from bot.web.api import wire
from bot.web.api.models.custom_attributes import KEY_SCHEMA, CustomAttributeValue
from bot.web.api.models.fields import (
    IfMissing,
    NonEmpty,
    NotBlank,
    StringListMap,
    UserId,
    describe,
    refuse,
    type_name,
)

TITLE_MAX = 500
DESCRIPTION_MAX = 50_000
COMMENT_MAX = 50_000

CaseKind = Literal["case"]
ProjectKind = Literal["project"]
Status = Literal["OPEN", "IN_PROGRESS", "CLOSED"]
StatusName = Literal["Open", "In Progress", "Closed"]
Priority = Literal["NOT_DEFINED", "P1", "P2", "P3", "P4", "P5"]
ResolvedReason = Literal[
    "testing", "false_positive", "one_time_exception",
    "TESTING", "FALSE_POSITIVE", "ONE_TIME_EXCEPTION",
]  # fmt: skip
Title = Annotated[NotBlank, Field(max_length=TITLE_MAX)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX)]


def _keys(value: dict[str, CustomAttributeValue]) -> dict[str, CustomAttributeValue]:
    for key in value:
        problem = key_problem(key)
        if problem is not None:
            raise refuse(f"{{path}}: {problem}")
    return value


CustomAttributes = Annotated[
    dict[str, CustomAttributeValue],
    AfterValidator(_keys),
    Field(json_schema_extra={"propertyNames": KEY_SCHEMA}),
]
PROJECT_REQUIRED = '{path} is required: {"data": {"id": "<project id>", "type": "project"}}'


def _known_type(value: str) -> str:
    name = wire.TYPE_NAMES_BY_ID.get(value.lower())
    if name is None:
        raise refuse(
            f"{{path}}.type_id {value!r} is not a known case type; the standard type is "
            f"{wire.STANDARD_TYPE_ID}"
        )
    return name


TypeId = Annotated[
    NonEmpty,
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(wire.TYPE_IDS_BY_NAME.values()),
            "description": "Case type; standard is " + wire.STANDARD_TYPE_ID,
        }
    ),
]
LegacyType = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(wire.TYPE_IDS_BY_NAME),
            "description": "Older clients' spelling of the type",
        }
    ),
]


class ProjectRelationshipData(BaseModel):
    type: ProjectKind
    id: NotBlank


class ProjectRelationship(BaseModel):
    """The project a case is in (also the body of a move)."""

    data: ProjectRelationshipData


class UserRelationshipData(BaseModel):
    type: Literal["user"]
    id: UserId


class UserRelationship(BaseModel):
    data: Annotated[
        UserRelationshipData | None,
        IfMissing(
            '{path} is required: {"id": "<user id>", "type": "user"}, or null for no assignee'
        ),
    ]


class CaseCreateRelationships(BaseModel):
    project: Annotated[ProjectRelationship, IfMissing(PROJECT_REQUIRED)]
    assignee: UserRelationship | MISSING | None = MISSING


class CaseCreateAttributes(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["type_id"]}, {"required": ["type"]}]}
    )

    title: Title
    type_id: TypeId | MISSING = MISSING
    type: LegacyType | MISSING = MISSING
    description: Description | MISSING = MISSING
    priority: Priority | MISSING = MISSING
    status_name: StatusName | MISSING = MISSING
    attributes: StringListMap | MISSING = MISSING
    custom_attributes: CustomAttributes | MISSING = MISSING

    @model_validator(mode="after")
    def _typed(self) -> CaseCreateAttributes:
        # Given both, `type_id` decides; the legacy `type` must still be one of the names
        # (the schema says so, and a client sending garbage there should hear of it).
        if self.type_id is not MISSING:
            self.type_id = _known_type(self.type_id)
            if self.type is MISSING:
                return self
        elif self.type is MISSING:
            raise refuse(
                f"{{path}}.type_id is required (the standard case type is {wire.STANDARD_TYPE_ID})"
            )
        if not isinstance(self.type, str) or self.type not in wire.TYPE_IDS_BY_NAME:
            got = describe(self.type) if isinstance(self.type, str) else type_name(self.type)
            names = ", ".join(wire.TYPE_IDS_BY_NAME)
            raise refuse(f"{{path}}.type must be one of {names}, got {got}")
        return self

    @property
    def type_name(self) -> str:
        """STANDARD, SECURITY, ... (from `type_id`, else the legacy `type`)."""
        return str(self.type_id if self.type_id is not MISSING else self.type)


class CaseCreate(BaseModel):
    type: CaseKind
    attributes: CaseCreateAttributes
    relationships: Annotated[
        CaseCreateRelationships,
        IfMissing(PROJECT_REQUIRED.replace("{path}", "{path}.project")),
    ]


class CaseCreateRequest(BaseModel):
    data: CaseCreate


class CaseUpdateStatusAttributes(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["status"]}, {"required": ["status_name"]}]}
    )

    status: Status | MISSING = MISSING
    status_name: StatusName | MISSING = MISSING

    @model_validator(mode="after")
    def _given(self) -> CaseUpdateStatusAttributes:
        if self.status is MISSING and self.status_name is MISSING:
            raise refuse(
                "{path}.status (OPEN, IN_PROGRESS or CLOSED) or {path}.status_name is required"
            )
        return self

    @property
    def core_status(self) -> str:
        """The new core status; `status_name` wins over `status` (newer clients send it)."""
        if self.status_name is not MISSING:
            return wire.STATUS_BY_NAME[self.status_name]
        return str(self.status)


class CaseUpdateStatus(BaseModel):
    type: CaseKind
    attributes: CaseUpdateStatusAttributes


class CaseUpdateStatusRequest(BaseModel):
    data: CaseUpdateStatus


class CaseUpdatePriorityAttributes(BaseModel):
    priority: Priority


class CaseUpdatePriority(BaseModel):
    type: CaseKind
    attributes: CaseUpdatePriorityAttributes


class CaseUpdatePriorityRequest(BaseModel):
    data: CaseUpdatePriority


class CaseUpdateTitleAttributes(BaseModel):
    title: Title


class CaseUpdateTitle(BaseModel):
    type: CaseKind
    attributes: CaseUpdateTitleAttributes


class CaseUpdateTitleRequest(BaseModel):
    data: CaseUpdateTitle


class CaseUpdateDescriptionAttributes(BaseModel):
    description: Description


class CaseUpdateDescription(BaseModel):
    type: CaseKind
    attributes: CaseUpdateDescriptionAttributes


class CaseUpdateDescriptionRequest(BaseModel):
    data: CaseUpdateDescription


class CaseUpdateAttributesAttributes(BaseModel):
    attributes: StringListMap


class CaseUpdateAttributes(BaseModel):
    type: CaseKind
    attributes: CaseUpdateAttributesAttributes


class CaseUpdateAttributesRequest(BaseModel):
    data: CaseUpdateAttributes


class CaseAssignAttributes(BaseModel):
    assignee_id: UserId


class CaseAssign(BaseModel):
    type: CaseKind
    attributes: CaseAssignAttributes


class CaseAssignRequest(BaseModel):
    data: CaseAssign


class CaseEmpty(BaseModel):
    type: CaseKind


class CaseEmptyRequest(BaseModel):
    """Unassign, archive and unarchive carry only `{"data": {"type": "case"}}`."""

    data: CaseEmpty


class CaseCommentAttributes(BaseModel):
    comment: Annotated[NotBlank, Field(max_length=COMMENT_MAX)]


class CaseComment(BaseModel):
    type: CaseKind
    attributes: CaseCommentAttributes


class CaseCommentRequest(BaseModel):
    data: CaseComment


class CaseUpdateResolvedReasonAttributes(BaseModel):
    security_resolved_reason: ResolvedReason


class CaseUpdateResolvedReason(BaseModel):
    type: CaseKind
    attributes: CaseUpdateResolvedReasonAttributes


class CaseUpdateResolvedReasonRequest(BaseModel):
    data: CaseUpdateResolvedReason


class CaseUpdateCustomAttribute(BaseModel):
    type: CaseKind
    attributes: CustomAttributeValue


class CaseUpdateCustomAttributeRequest(BaseModel):
    data: CaseUpdateCustomAttribute
