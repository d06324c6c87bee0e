"""How the case list sorts. A page the database can sort is ordered in SQL; a page of
matched documents is sorted here, by the same keys: either way ties fall to the creation
time, then the id, so paging is stable."""

from __future__ import annotations

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


def order_columns(sort: str, ascending: bool, assignee: Any) -> list[Any]:
    """The ORDER BY of a page the database sorts; `assignee` is the users alias the
    statement joins the assignee under."""
    columns: list[Any]
    if sort == "key":
        columns = [projects.c.key, cases.c.number]
    elif sort == "title":
        columns = [func.lower(cases.c.title)]
    elif sort == "status":
        columns = [sql_case(*[(cases.c.status == k, r) for k, r in STATUS_RANK.items()], else_=9)]
    elif sort == "priority":
        columns = [
            sql_case(*[(cases.c.priority == k, r) for k, r in PRIORITY_RANK.items()], else_=9)
        ]
    elif sort == "type":
        columns = [cases.c.type]
    elif sort == "assignee":
        columns = [assignee.c.name.is_(None), func.lower(assignee.c.name)]
    elif sort == "project":
        columns = [projects.c.key]
    else:
        columns = []
    columns += [cases.c.created_at, cases.c.id]
    return [column.asc() if ascending else column.desc() for column in columns]


def sort_key(sort: str) -> Callable[[Any], Any]:
    tail: Callable[[Any], tuple[Any, ...]] = lambda r: (r.created_at, str(r.id))  # noqa: E731
    keys: dict[str, Callable[[Any], Any]] = {
        "key": lambda r: (r.project_key, r.number, *tail(r)),
        "title": lambda r: (r.title.lower(), *tail(r)),
        "status": lambda r: (STATUS_RANK.get(r.status, 9), *tail(r)),
        "priority": lambda r: (PRIORITY_RANK.get(r.priority, 9), *tail(r)),
        "type": lambda r: (r.type, *tail(r)),
        "assignee": lambda r: (r.assignee_name is None, (r.assignee_name or "").lower(), *tail(r)),
        "project": lambda r: (r.project_key, *tail(r)),
    }
    return keys.get(sort, tail)
