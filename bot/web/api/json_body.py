"""Reading JSON:API request bodies with errors that name the offending member.

A body is decoded once (orjson) and then read through `Member`, which knows
its dotted path (`data.attributes.priority`) so every refusal says exactly
which member is wrong and what was expected.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from typing import Any

import orjson

from bot.web.api.errors import ApiError, bad_request

_MISSING: Any = object()
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def decode(raw: bytes) -> Member:
    """The request body as the top-level member; a 400 if it is not a JSON object."""
    if not raw.strip():
        raise bad_request("request body is empty; expected a JSON object with a `data` member")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise bad_request("request body must be a JSON object with a `data` member")
    return Member("", value)


def _describe(value: Any) -> str:
    text = orjson.dumps(value).decode() if value is not _MISSING else "nothing"
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class Member:
    """One value inside the body, with the path that names it in errors."""

    __slots__ = ("path", "value")

    def __init__(self, path: str, value: Any) -> None:
        self.path = path
        self.value = value

    def _child_path(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def _wrong(self, expected: str) -> ApiError:
        if self.value is _MISSING:
            return bad_request(f"{self.path} is required ({expected})")
        return bad_request(f"{self.path} must be {expected}, got {_type_name(self.value)}")

    @property
    def present(self) -> bool:
        return self.value is not _MISSING

    @property
    def is_null(self) -> bool:
        return self.value is None

    def get(self, name: str) -> Member:
        """The member `name` of this object (possibly absent); a 400 if this is not an object."""
        if not isinstance(self.value, dict):
            raise self._wrong("an object")
        return Member(self._child_path(name), self.value.get(name, _MISSING))

    def obj(self) -> Member:
        if not isinstance(self.value, dict):
            raise self._wrong("an object")
        return self

    def optional_obj(self, *, nullable: bool = False) -> Member | None:
        """None when absent (or null, if `nullable`); the object otherwise."""
        if self.value is _MISSING or (nullable and self.value is None):
            return None
        return self.obj()

    def string(self, *, allow_empty: bool = False, max_length: int | None = None) -> str:
        if not isinstance(self.value, str):
            raise self._wrong("a string")
        if not allow_empty and not self.value.strip():
            raise bad_request(f"{self.path} must not be empty")
        if max_length is not None and len(self.value) > max_length:
            raise bad_request(f"{self.path} is longer than {max_length} characters")
        return self.value

    def optional_string(
        self, *, allow_empty: bool = False, max_length: int | None = None
    ) -> str | None:
        if self.value is _MISSING:
            return None
        return self.string(allow_empty=allow_empty, max_length=max_length)

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self._wrong("true or false")
        return self.value

    def optional_boolean(self) -> bool | None:
        if self.value is _MISSING:
            return None
        return self.boolean()

    def choice(self, allowed: Collection[str]) -> str:
        options = ", ".join(allowed)
        if not isinstance(self.value, str):
            raise self._wrong(f"one of {options}")
        if self.value not in allowed:
            raise bad_request(f"{self.path} must be one of {options}, got {_describe(self.value)}")
        return self.value

    def optional_choice(self, allowed: Collection[str]) -> str | None:
        if self.value is _MISSING:
            return None
        return self.choice(allowed)

    def uuid(self) -> uuid.UUID:
        """A UUID in its usual hyphenated spelling (what `format: uuid` allows)."""
        if not isinstance(self.value, str):
            raise self._wrong("a UUID string")
        if not _UUID.fullmatch(self.value):
            raise bad_request(f"{self.path} must be a UUID, got {_describe(self.value)}")
        return uuid.UUID(self.value)

    def string_list(self) -> list[str]:
        if not isinstance(self.value, list):
            raise self._wrong("an array of strings")
        for index, item in enumerate(self.value):
            if not isinstance(item, str):
                raise bad_request(f"{self.path}[{index}] must be a string, got {_type_name(item)}")
        return list(self.value)

    def string_list_map(self) -> dict[str, list[str]]:
        """An object whose members are arrays of strings (case attributes)."""
        if not isinstance(self.value, dict):
            raise self._wrong("an object of string arrays")
        result: dict[str, list[str]] = {}
        for name, values in self.value.items():
            path = self._child_path(name)
            if not name.strip():
                raise bad_request(f"{self.path} has an empty attribute name")
            if not isinstance(values, list):
                raise bad_request(f"{path} must be an array of strings, got {_type_name(values)}")
            for index, item in enumerate(values):
                if not isinstance(item, str):
                    raise bad_request(f"{path}[{index}] must be a string, got {_type_name(item)}")
            result[name] = list(values)
        return result

    def resource_type(self, expected: str) -> None:
        """Check a JSON:API `type` member (`data.type`) equals `expected`."""
        if not isinstance(self.value, str):
            raise self._wrong(f'"{expected}"')
        if self.value != expected:
            raise bad_request(f'{self.path} must be "{expected}", got {_describe(self.value)}')


def data(body: Member, resource: str) -> Member:
    """`body.data`, checked to be an object of JSON:API type `resource`."""
    member = body.get("data").obj()
    member.get("type").resource_type(resource)
    return member
