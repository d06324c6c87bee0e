"""How the case list sorts. A page the database can sort is ordered in SQL; a page of
matched documents is sorted here, by the same keys: either way ties fall to the creation
time, then the id, so paging is stable."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func

from bot.core.cases import CaseStatus, Priority
from bot.db.cases import cases
from bot.db.projects import projects

STATUS_RANK = {status.value: rank for rank, status in enumerate(CaseStatus)}
# P1 first, "not defined" last.
PRIORITY_RANK = {
    p.value: rank for rank, p in enumerate([*list(Priority)[1:], Priority.NOT_DEFINED])
}

SORT_FIELDS = ("key", "title", "status", "priority", "type", "assignee", "project", "created")


def order_columns(sort: str, ascending: bool, assignee: Any) -> tuple[Any, ...]:
    """The ORDER BY of a page the database sorts; `assignee` is the users alias the
    statement joins the assignee under. Built once per sort and direction."""
    return _order_columns(sort if sort in _ORDER else "created", ascending, assignee)


@functools.cache
def _order_columns(sort: str, ascending: bool, assignee: Any) -> tuple[Any, ...]:
    columns = [*_ORDER[sort](assignee), cases.c.created_at, cases.c.id]
    return tuple(column.asc() if ascending else column.desc() for column in columns)


def _ranked(column: Any, ranks: dict[str, int]) -> Any:
    return sql_case(*[(column == value, rank) for value, rank in ranks.items()], else_=9)


# Each sort's leading columns, before the tie-breakers.
_ORDER: dict[str, Callable[[Any], list[Any]]] = {
    "key": lambda _a: [projects.c.key, cases.c.number],
    "title": lambda _a: [func.lower(cases.c.title)],
    "status": lambda _a: [_ranked(cases.c.status, STATUS_RANK)],
    "priority": lambda _a: [_ranked(cases.c.priority, PRIORITY_RANK)],
    "type": lambda _a: [cases.c.type],
    "assignee": lambda a: [a.c.name.is_(None), func.lower(a.c.name)],
    "project": lambda _a: [projects.c.key],
    "created": lambda _a: [],
}


def _tail(r: Any) -> tuple[Any, ...]:
    return (r.created_at, str(r.id))


# The same orders, for rows sorted here.
_SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "key": lambda r: (r.project_key, r.number, *_tail(r)),
    "title": lambda r: (r.title.lower(), *_tail(r)),
    "status": lambda r: (STATUS_RANK.get(r.status, 9), *_tail(r)),
    "priority": lambda r: (PRIORITY_RANK.get(r.priority, 9), *_tail(r)),
    "type": lambda r: (r.type, *_tail(r)),
    "assignee": lambda r: (r.assignee_name is None, (r.assignee_name or "").lower(), *_tail(r)),
    "project": lambda r: (r.project_key, *_tail(r)),
}


def sort_key(sort: str) -> Callable[[Any], Any]:
    return _SORT_KEYS.get(sort, _tail)
