"""The request bodies of the error-tracking API's automation rules
(/api/v2/error-tracking/rules): a rule's query, project and auto-create, and a new order."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import MISSING as MISSING
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    StrictBool,
    WithJsonSchema,
    model_validator,
)

from bot.errortracking.automation import QUERY_MAX
from bot.web.api.models.error_tracking_requests import OptionalProject, project_of, required_text
from bot.web.api.models.fields import NOT_BLANK, IfMissing, NotBlank, refuse

RULE_TYPE = "error_tracking_rule"
# orjson reads whole numbers up to 2**64 - 1; a position past the end means last.
Position = Annotated[
    Any,
    WithJsonSchema({"type": ["integer", "null"], "minimum": 0, "maximum": 2**64 - 1}),
]
Query = required_text(QUERY_MAX)


def _whole(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise refuse("must be a whole number")
    return value


class RuleChangeAttributes(BaseModel):
    query: Query | MISSING = MISSING  # type: ignore[valid-type]
    auto_create: StrictBool | MISSING = MISSING
    position: Annotated[Position, AfterValidator(_whole)] | MISSING = MISSING


class RuleCreateAttributes(RuleChangeAttributes):
    query: Query  # type: ignore[valid-type]


class RuleCreate(BaseModel):
    type: Literal["error_tracking_rule"]
    attributes: RuleCreateAttributes
    relationships: OptionalProject | MISSING = MISSING

    @model_validator(mode="after")
    def _has_project(self) -> RuleCreate:
        if project_of(self.relationships) is None:
            raise refuse(
                "{path}.relationships.project is required: the project cases of matching "
                "issues go to"
            )
        return self


class ErrorTrackingRuleCreateRequest(BaseModel):
    data: RuleCreate


class RuleUpdate(BaseModel):
    type: Literal["error_tracking_rule"]
    attributes: RuleChangeAttributes
    relationships: OptionalProject | MISSING = MISSING


class ErrorTrackingRuleUpdateRequest(BaseModel):
    data: RuleUpdate


class RuleReference(BaseModel):
    type: Literal["error_tracking_rule"]
    id: NotBlank


ORDER_REFUSAL = "must be an array of {id, type} naming every rule in order"


def _an_order(value: Any) -> Any:
    if not isinstance(value, list):
        raise refuse(ORDER_REFUSAL)
    return value


def _once_each(value: list[RuleReference]) -> list[RuleReference]:
    seen: set[str] = set()
    for index, reference in enumerate(value):
        if reference.id in seen:
            raise refuse(f"{{path}}[{index}].id: the new order names rule {reference.id} twice")
        seen.add(reference.id)
    return value


class ErrorTrackingRuleOrderRequest(BaseModel):
    """Every rule, once each, in the new order."""

    data: Annotated[
        list[RuleReference],
        IfMissing("{path} " + ORDER_REFUSAL),
        BeforeValidator(_an_order),
        AfterValidator(_once_each),
        WithJsonSchema(
            {
                "type": "array",
                "uniqueItems": True,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "minLength": 1, "pattern": NOT_BLANK},
                        "type": {"type": "string", "const": RULE_TYPE},
                    },
                    "required": ["id", "type"],
                },
            }
        ),
    ]
