"""Case search's statements: the query language over cases, narrowed in SQL, matched
here, sorted and paged. The case API's search and the console's list both use it.

The database narrows the candidates where that is exact (archived or not; top-level
`status:`, `priority:` and `project:` terms, a choice among them, a negated status or
priority). When the narrowing is the whole query, the database also sorts, counts and
pages. Otherwise top-level free text narrows further to a superset (an ASCII needle
looked for with SQL's lower(), which folds ASCII as casefold() does; a text with any
other character is kept), and each candidate is matched as a `Document` holding only
the fields the query names, then sorted here.

A case's document has these fields (values compare case-folded, so `status:open`
matches `OPEN`): key, status (`OPEN`, "In Progress", ...), priority, type, project
(key and handle), project_id, assignee (user id, name or e-mail), creation_source,
archived (true/false), and every case attribute (service, team, env, ...) and custom
attribute by its key (a number as `5` or `5.0`; a key that names both has the values of
each); free text (`"disk full"`) searches the key, title and description. Archived
cases are left out unless the query names the `archived` field (`archived:true` for
only those, `archived:*` for all).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, LargeBinary, Select, cast, func, or_, select

from bot.core.cases import Case, CaseStatus, Priority
from bot.core.custom_attributes import SEARCH_FIELDS, from_json, search_texts
from bot.core.query import And, Document, MatchAll, Node, Not, Or, Query, Term
from bot.db.case_order import order_columns, sort_key
from bot.db.cases import case_from_row, cases
from bot.db.projects import projects
from bot.db.users import users

_c = cases.c
_STATUS_NAMES = {status.value: status.status_name for status in CaseStatus}
_STATUS_BY_NAME = {name.casefold(): value for value, name in _STATUS_NAMES.items()}


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of the case list."""

    id: uuid.UUID
    key: str
    title: str
    status: CaseStatus
    priority: Priority
    type: str
    assignee: str | None
    project: str
    created_at: datetime
    archived: bool


_ASSIGNEE = users.alias("assignee")
# Every column a search may read, by the name rows carry it under.
_COLUMNS: dict[str, Any] = {
    "id": _c.id,
    "key": _c.key,
    "number": _c.number,
    "title": _c.title,
    "description": _c.description,
    "status": _c.status,
    "priority": _c.priority,
    "type": _c.type,
    "attributes": _c.attributes,
    "custom_attributes": _c.custom_attributes,
    "creation_source": _c.creation_source,
    "created_at": _c.created_at,
    "archived_at": _c.archived_at,
    "project_id": _c.project_id,
    "assignee_id": _c.assignee_id,
    "project_key": projects.c.key.label("project_key"),
    "project_handle": projects.c.handle.label("project_handle"),
    "assignee_name": _ASSIGNEE.c.name.label("assignee_name"),
    "assignee_email": _ASSIGNEE.c.email.label("assignee_email"),
}
_LIST_COLUMNS = tuple(
    _COLUMNS[name]
    for name in (
        "id", "key", "number", "title", "status", "priority", "type", "created_at",
        "archived_at", "project_key", "assignee_name",
    )
)  # fmt: skip
# What a document's field is made of, and what sorting by a list column reads.
_FIELD_COLUMNS = {
    "key": ("key",),
    "status": ("status",),
    "priority": ("priority",),
    "type": ("type",),
    "project": ("project_key", "project_handle"),
    "project_id": ("project_id",),
    "assignee": ("assignee_id", "assignee_name", "assignee_email"),
    "creation_source": ("creation_source",),
    "archived": ("archived_at",),
}
# Any other field is a case attribute or a custom attribute.
_ATTRIBUTE_COLUMNS = ("attributes", "custom_attributes")
_TEXT_COLUMNS = ("key", "title", "description")
_SORT_COLUMNS = {
    "key": ("project_key", "number"),
    "title": ("title",),
    "status": ("status",),
    "priority": ("priority",),
    "type": ("type",),
    "assignee": ("assignee_name",),
    "project": ("project_key",),
}


def _candidate_columns(node: Node, sort: str) -> list[Any]:
    """The columns matching `node` and sorting by `sort` read, and no more (each costs a
    conversion per candidate: a UUID, a JSON document)."""
    names = {"id", "created_at", *_SORT_COLUMNS.get(sort, ())}
    for term in _terms(node):
        if term.key is None:
            names.update(_TEXT_COLUMNS)
        else:
            names.update(_FIELD_COLUMNS.get(term.key.lower(), _ATTRIBUTE_COLUMNS))
    return [column for name, column in _COLUMNS.items() if name in names]


def _base(columns: Iterable[Any]) -> Select[Any]:
    return (
        select(*columns)
        .join(projects, projects.c.id == _c.project_id)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.c.id == _c.assignee_id)
    )


def _terms(node: Node) -> Iterable[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from _terms(node.operand)
    elif isinstance(node, And | Or):
        for child in node.operands:
            yield from _terms(child)


def _plain(term: Node, *keys: str) -> bool:
    """A `key:value` term on one of `keys` that SQL compares exactly as the language does
    (no wildcard, no `@`, ASCII: SQL's upper/lower and case-folding agree there)."""
    return (
        isinstance(term, Term)
        and term.key is not None
        and term.key.lower() in keys
        and not term.is_pattern
        and not term.attribute
        and term.value.isascii()
    )


def _status_value(text: str) -> str | None:
    folded = text.casefold()
    upper = text.upper()
    return upper if upper in _STATUS_NAMES else _STATUS_BY_NAME.get(folded)


def _condition(node: Node) -> Any | None:
    """The SQL condition equal to `node`, or None when SQL cannot say it exactly."""
    if _plain(node, "status"):
        assert isinstance(node, Term)
        value = _status_value(node.value)
        return _c.status == value if value else _c.status.is_(None)
    if _plain(node, "priority"):
        assert isinstance(node, Term)
        return _c.priority == node.value.upper()
    if _plain(node, "project"):
        assert isinstance(node, Term)
        return (projects.c.key == node.value.upper()) | (projects.c.handle == node.value.lower())
    if isinstance(node, Or):
        parts = [_condition(child) for child in node.operands]
        present = [part for part in parts if part is not None]
        return or_(*present) if len(present) == len(parts) else None
    if isinstance(node, Not) and _plain(node.operand, "status", "priority"):
        inner = _condition(node.operand)
        return ~inner if inner is not None else None
    return None


def _not_ascii(column: Any, dialect: str) -> Any:
    """True where the text has a character outside ASCII (its bytes outnumber its
    characters in UTF-8)."""
    if dialect == "postgresql":
        return func.octet_length(column) != func.length(column)
    return func.length(cast(column, LargeBinary)) != func.length(column)


def _may_contain(term: Term, dialect: str) -> Any | None:
    """A condition true for every case whose key, title or description contains the
    free-text `term` as the query language compares (case-folded), and for few others:
    an ASCII needle is looked for with SQL's lower() (which folds ASCII as casefold()
    does); a text with other characters is always kept, for Python to decide."""
    if term.key is not None or term.is_pattern or not term.value.isascii() or not term.value:
        return None
    needle = term.value.lower()
    columns = (_c.key, _c.title, _c.description)
    found = [func.lower(column).contains(needle, autoescape=True) for column in columns]
    unsure = [_not_ascii(column, dialect) for column in (_c.title, _c.description)]
    return or_(*found, *unsure)


def _narrow(statement: Select[Any], node: Node, dialect: str) -> tuple[Select[Any], bool]:
    """`statement` narrowed by the top-level terms SQL can decide; whether they are all.

    Top-level free text narrows too, to a superset of the cases that contain it (the
    query is then matched in Python)."""
    if isinstance(node, MatchAll):
        return statement, True
    operands = node.operands if isinstance(node, And) else (node,)
    exact = True
    for operand in operands:
        condition = _condition(operand)
        if condition is None:
            exact = False
            if isinstance(operand, Term):
                condition = _may_contain(operand, dialect)
        if condition is not None:
            statement = statement.where(condition)
    return statement, exact


def _with_archived(statement: Select[Any], node: Node) -> Select[Any]:
    if any(term.key and term.key.lower() == "archived" for term in _terms(node)):
        return statement
    return statement.where(_c.archived_at.is_(None))


def _assignee(row: Any) -> tuple[str, ...] | None:
    """The assignee's id, name and e-mail: `assignee:alice@example.com` finds her cases."""
    if row.assignee_id is None:
        return None
    names = (row.assignee_name, row.assignee_email)
    return (str(row.assignee_id), *(name for name in names if name))


_FIELDS: dict[str, Callable[[Any], Any]] = {
    "key": lambda row: row.key,
    "status": lambda row: (row.status, _STATUS_NAMES.get(row.status, row.status)),
    "priority": lambda row: row.priority,
    "type": lambda row: row.type,
    "project": lambda row: (row.project_key, row.project_handle),
    "project_id": lambda row: str(row.project_id),
    "assignee": _assignee,
    "creation_source": lambda row: row.creation_source,
    "archived": lambda row: "true" if row.archived_at is not None else "false",
}
assert set(_FIELDS) == SEARCH_FIELDS, "custom attribute keys must not shadow a field"


def _named(row: Any, keys: list[str]) -> dict[str, tuple[str, ...]]:
    """The values of the case and custom attributes named `keys` (lower case), a key's
    values joined when several attributes have it (`team` and `Team`, or a case attribute
    and a custom one)."""
    found: dict[str, tuple[str, ...]] = {}
    for key, values in (row.attributes or {}).items():
        folded = key.lower()
        if folded in keys:
            found[folded] = (*found.get(folded, ()), *values)
    for key, document in (row.custom_attributes or {}).items():
        folded = key.lower()
        if folded in keys:
            found[folded] = (*found.get(folded, ()), *search_texts(from_json(document)))
    return found


def _documents(node: Node) -> Callable[[Any], Document]:
    """Builds a row's `Document` with only the fields `node` looks at (a query names a
    few; building every field of every candidate cost most of a search)."""
    keys = {term.key.lower() for term in _terms(node) if term.key is not None}
    builtin = [(key, _FIELDS[key]) for key in keys if key in _FIELDS]
    attributes = [key for key in keys if key not in _FIELDS]
    text = any(term.key is None for term in _terms(node))

    def document(row: Any) -> Document:
        fields: dict[str, Any] = _named(row, attributes) if attributes else {}
        for key, read in builtin:
            fields[key] = read(row)
        return Document.of(fields, text=(row.key, row.title, row.description) if text else ())

    return document


def _row(row: Any) -> CaseRow:
    return CaseRow(
        id=row.id,
        key=row.key,
        title=row.title,
        status=CaseStatus(row.status),
        priority=Priority(row.priority),
        type=row.type,
        assignee=row.assignee_name,
        project=row.project_key,
        created_at=row.created_at,
        archived=row.archived_at is not None,
    )


@dataclass(frozen=True, slots=True)
class Found:
    """One page of a search: the matching cases' ids in order, and how many match."""

    ids: list[uuid.UUID]
    total: int


def search(
    conn: Connection, query: Query, *, sort: str, ascending: bool, offset: int, limit: int
) -> Found:
    """One page of the cases `query` matches, sorted by `sort` (one of SORT_FIELDS; ties
    and `created` by creation time, then id)."""
    node = query.node
    dialect = conn.dialect.name
    narrowed, exact = _narrow(_with_archived(_base([_c.id]), node), node, dialect)
    if exact:
        total = conn.execute(select(func.count()).select_from(narrowed.subquery())).scalar_one()
        paged = (
            narrowed.order_by(*order_columns(sort, ascending, _ASSIGNEE))
            .limit(limit)
            .offset(offset)
        )
        return Found([row.id for row in conn.execute(paged)], int(total))
    columns = _candidate_columns(node, sort)
    candidates, _ = _narrow(_with_archived(_base(columns), node), node, dialect)
    document = _documents(node)
    matches = [row for row in conn.execute(candidates) if query.matches(document(row))]
    matches.sort(key=sort_key(sort), reverse=not ascending)
    return Found([row.id for row in matches[offset : offset + limit]], len(matches))


def case_rows(conn: Connection, ids: Sequence[uuid.UUID]) -> list[CaseRow]:
    """The list's rows of these cases, in this order."""
    if not ids:
        return []
    rows = {row.id: _row(row) for row in conn.execute(_base(_LIST_COLUMNS).where(_c.id.in_(ids)))}
    return [rows[case_id] for case_id in ids if case_id in rows]


def full_cases(conn: Connection, ids: Sequence[uuid.UUID]) -> list[Case]:
    """These cases, in this order."""
    if not ids:
        return []
    rows = conn.execute(select(cases).where(_c.id.in_(ids)))
    found = {row.id: case_from_row(row) for row in rows}
    return [found[case_id] for case_id in ids if case_id in found]


def case_matches(conn: Connection, query: Query, case_id: uuid.UUID) -> bool:
    """Whether `query` matches this one case, as a search would find it (a notification
    rule's query, asked of the case that changed)."""
    node = query.node
    columns = _candidate_columns(node, "created")
    candidates, _ = _narrow(_with_archived(_base(columns), node), node, conn.dialect.name)
    row = conn.execute(candidates.where(_c.id == case_id)).first()
    return row is not None and query.matches(_documents(node)(row))
