"""Why a request is refused, in the API's words: every 4xx message is made here or raised
as an `ApiError` where the refusal is decided.

`invalid(errors, model)` turns pydantic's validation errors into the one 400
message casebot answers with, naming the member by its path
(`data.attributes.priority must be one of NOT_DEFINED, P1, ...`).
`service_refusal(error)` answers the services' refusals (a case not found is
a 404, an invalid change a 400).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from enum import Enum
from typing import Any, Literal, Union

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from bot.services.errors import (
    CaseNotFound,
    DowntimeNotFound,
    InvalidChange,
    NotificationRuleNotFound,
    ProjectNotFound,
    UserNotFound,
)
from bot.web.api.errors import ApiError
from bot.web.api.models.fields import REFUSED, Expected, IfMissing, describe, type_name

_WRONG_TYPE = {
    "model_type",
    "model_attributes_type",
    "dict_type",
    "string_type",
    "bool_type",
    "list_type",
    "int_type",
}


def path_of(loc: Sequence[int | str]) -> str:
    """`data.attributes.states[1]` for ("data", "attributes", "states", 1)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text


def invalid(errors: Sequence[ErrorDetails], model: Any, *, at: Sequence[str] = ()) -> ApiError:
    """The 400 for the first of `errors` from validating against `model` (a type).

    `at` is the location of the validated value (e.g. `("query", "page[size]")` is
    reported as `page[size]`): it is left out of paths in messages.
    """
    error = errors[0]
    loc = tuple(error["loc"])[len(at) :]
    path = path_of(loc)
    kind = error["type"]
    if kind == REFUSED:
        message: str = error["ctx"]["text"] if "ctx" in error else error["msg"]
        if "{path}" in message:
            return ApiError(400, message.replace("{path}", path))
        return ApiError(400, f"{path} {message}" if path else message)
    found, metadata = _member(model, loc)
    if kind == "missing":
        hint = next((m.text for m in metadata if isinstance(m, IfMissing)), None)
        if hint is not None:
            return ApiError(400, hint.replace("{path}", path))
        return ApiError(400, f"{path} is required ({_expected(found, metadata)})")
    value = error.get("input")
    if kind in ("literal_error", "enum"):
        got = describe(value) if isinstance(value, str) else type_name(value)
        return ApiError(400, f"{path} must be {_expected(found, metadata)}, got {got}")
    if kind in _WRONG_TYPE:
        return ApiError(400, f"{path} must be {_expected(found, metadata)}, got {type_name(value)}")
    if kind == "string_too_long":
        return ApiError(400, f"{path} is longer than {error['ctx']['max_length']} characters")
    return ApiError(400, f"{path}: {error['msg']}")


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type inside `Annotated[...]` and `X | None`, with the Annotated metadata."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            members = [
                arg
                for arg in typing.get_args(annotation)
                if arg is not type(None) and repr(arg) != "MISSING"
            ]
            if len(members) != 1:
                return annotation, metadata
            annotation = members[0]
        else:
            return annotation, metadata


def _member(model: Any, loc: Sequence[int | str]) -> tuple[Any, list[Any]]:
    """The declared type of the member at `loc` in `model`, and its metadata."""
    current, metadata = _unwrap(model)
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return Any, []
            current, metadata = _unwrap(field.annotation)
            metadata = [*field.metadata, *metadata]
            continue
        origin, args = typing.get_origin(current), typing.get_args(current)
        if origin is dict and len(args) == 2:
            current, metadata = _unwrap(args[1])
        elif origin is list and args:
            current, metadata = _unwrap(args[0])
        else:
            return Any, []
    return current, metadata


def _expected(annotation: Any, metadata: Sequence[Any]) -> str:
    marked = next((m.text for m in metadata if isinstance(m, Expected)), None)
    if marked is not None:
        return marked
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "an object"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choices([member.value for member in annotation])
    if typing.get_origin(annotation) is Literal:
        return _choices(list(typing.get_args(annotation)))
    if annotation is str:
        return "a string"
    if annotation is bool:
        return "true or false"
    if typing.get_origin(annotation) is list:
        return "an array of strings"
    if typing.get_origin(annotation) is dict:
        return "an object"
    return "a value"


def _choices(values: list[Any]) -> str:
    if len(values) == 1:
        return f'"{values[0]}"'
    return "one of " + ", ".join(str(value) for value in values)


def service_refusal(error: Exception) -> ApiError | None:
    """The API answer for a service refusal, or None if `error` is not one."""
    if isinstance(error, ApiError):
        return error
    if isinstance(error, CaseNotFound):
        return ApiError(404, f"case {error.ref} not found")
    if isinstance(error, ProjectNotFound):
        return ApiError(404, f"project {error.ref} not found")
    if isinstance(error, UserNotFound):
        return ApiError(404, f"user {error.ref} not found; GET /api/v2/users lists users")
    if isinstance(error, DowntimeNotFound):
        return ApiError(404, f"downtime {error.ref} not found")
    if isinstance(error, NotificationRuleNotFound):
        return ApiError(404, f"notification rule {error.ref} not found")
    if isinstance(error, InvalidChange):
        return ApiError(400, f"{error.field}: {error.message}")
    return None
