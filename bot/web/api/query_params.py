"""Query parameters of the list endpoints (`page[size]`, `page[number]`, `sort[…]`, `filter`).

The official client sends them bracketed (`page%5Bsize%5D=10`) and booleans as
JSON (`true`/`false`). Case search pages count from 1 — the client's
`search_cases_with_pagination` starts there — while the users list counts
from 0 like `list_users_with_pagination`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from starlette.datastructures import QueryParams

from bot.web.api import wire
from bot.web.api.errors import bad_request

FILTER_MAX = 2_000


@dataclass(frozen=True, slots=True)
class Page:
    size: int
    number: int
    first: int

    @property
    def offset(self) -> int:
        return (self.number - self.first) * self.size


@dataclass(frozen=True, slots=True)
class CaseSearch:
    page: Page
    sort_field: str
    sort_asc: bool
    filter: str


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise bad_request(f"{name} must be an integer, got {text!r}") from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}, got {value}")
    return value


def _boolean(params: Mapping[str, str], name: str, default: bool) -> bool:
    text = params.get(name)
    if text is None:
        return default
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise bad_request(f"{name} must be true or false, got {text!r}")


# Large enough for any real listing, small enough that offset arithmetic stays sane.
PAGE_NUMBER_MAX = 1_000_000


def page(params: Mapping[str, str], *, first: int) -> Page:
    size = _integer(params, "page[size]", wire.PAGE_SIZE_DEFAULT, 1, wire.PAGE_SIZE_MAX)
    number = _integer(params, "page[number]", first, first, PAGE_NUMBER_MAX)
    return Page(size=size, number=number, first=first)


def case_search(params: Mapping[str, str]) -> CaseSearch:
    sort_field = params.get("sort[field]", "created_at")
    if sort_field not in wire.SORT_FIELDS:
        raise bad_request(
            f"sort[field] must be one of {', '.join(wire.SORT_FIELDS)}, got {sort_field!r}"
        )
    query = params.get("filter", "")
    if len(query) > FILTER_MAX:
        raise bad_request(f"filter is longer than {FILTER_MAX} characters")
    return CaseSearch(
        page=page(params, first=1),
        sort_field=sort_field,
        sort_asc=_boolean(params, "sort[asc]", False),
        filter=query,
    )


def sort_ascending(params: Mapping[str, str], name: str, default: bool) -> bool:
    return _boolean(params, name, default)


def text(params: Mapping[str, str], name: str, *, max_length: int = FILTER_MAX) -> str:
    value = params.get(name, "")
    if len(value) > max_length:
        raise bad_request(f"{name} is longer than {max_length} characters")
    return value


def only(params: QueryParams, allowed: Collection[str]) -> None:
    """Refuse query parameters the endpoint does not take (a typo would be ignored otherwise)."""
    for name in params:
        if name not in allowed:
            takes = ", ".join(allowed) if allowed else "none"
            raise bad_request(f"unknown query parameter {name!r}; this endpoint takes: {takes}")
        if len(params.getlist(name)) > 1:
            raise bad_request(f"query parameter {name} is given more than once")
