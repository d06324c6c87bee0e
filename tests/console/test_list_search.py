"""Case search (the console's list and the case API) finds exactly the cases whose
whole document the query matches.

The search narrows candidates in SQL (statuses, priorities, projects, a superset for
free text) and builds documents of only the fields a query names; the oracle here
matches every case's whole document, built from the documented fields. The cases
include text that SQL's lower() and Python's casefold() treat apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine

from bot.core.cases import Actor, ActorSource, Case, Project, User
from bot.core.query import Document, compile_query
from bot.db.engine import make_engine
from bot.services.case_pages import CasePages
from bot.services.case_reader import CaseReader
from bot.services.case_search import CaseQuery, search
from bot.services.cases import CaseService
from bot.services.projects import ProjectReader
from bot.services.users import UserReader
from tests.builders import make_project, make_user

TITLES = [
    "Disk full on web-1", "DISK latency", "diſk with a long s", "Straße closed", "STRASSE open",
    "100% CPU", "under_score", "Kelvin \u212a", "quiet", "Disk\nwrapped", "naïve cache",
]  # fmt: skip

QUERIES = [
    "", "disk", '"disk full"', "status:open", "-status:closed", "status:\"in progress\"",
    "priority:(P1 OR P2)", "-priority:p1", "project:ops", "project:WEB disk", "strasse",
    "straße", "100%", "under_", "k", "assignee:*", "-assignee:*", "team:web", "-team:web disk",
    "disk OR quiet", "-disk", "archived:true", "archived:*", "type:security", "d*k",
    'status:open priority:(P1 OR P2) project:OPS "disk full" -team:x', "naïve", "NAÏVE",
]  # fmt: skip


@pytest.fixture(scope="module")
def cases(shared_database_url: str) -> Iterator[Engine]:
    """The cases every test searches (none changes them): written once per backend."""
    engine = make_engine(shared_database_url)
    try:
        _write_cases(engine)
        yield engine
    finally:
        engine.dispose()


def _write_cases(engine: Engine) -> None:
    actor = Actor(ActorSource.API, None, "tests")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as conn:
        projects = [
            make_project(conn, name="Ops", key="OPS", handle="ops"),
            make_project(conn, name="Web", key="WEB", handle="web"),
        ]
        person = make_user(conn, name="Ann", email="ann@example.com")
        for n, title in enumerate(TITLES * 2):
            service = CaseService(conn, now=start + timedelta(minutes=n))
            case = service.create_case(
                project=projects[n % 2], title=title, actor=actor,
                description="the disk again" if n % 5 == 0 else "",
                priority=["P1", "P2", "P3", "NOT_DEFINED"][n % 4],
                type="SECURITY" if n % 7 == 0 else "STANDARD",
                attributes={"team": ["web" if n % 3 else "core"]},
            )  # fmt: skip
            if n % 3 == 0:
                service.assign(case, person.id, actor=actor)
            if n % 4 == 1:
                service.set_status(case, "IN_PROGRESS", actor=actor)
            if n % 6 == 5:
                service.set_status(case, "CLOSED", actor=actor, closing_reason="testing")
            if n % 9 == 8:
                service.archive(case, actor=actor)


def _whole_document(case: Case, project: Project, assignee: User | None) -> Document:
    status = case.status
    fields: dict[str, str | tuple[str, ...] | None] = dict(case.attributes)
    fields.update(
        {
            "key": case.key,
            "status": (status.value, status.status_name),
            "priority": case.priority.value,
            "type": case.type,
            "project": (project.key, project.handle),
            "project_id": str(case.project_id),
            "assignee": (
                (str(assignee.id), assignee.name, *([assignee.email] if assignee.email else []))
                if assignee
                else None
            ),
            "creation_source": case.creation_source,
            "archived": "true" if case.archived_at is not None else "false",
        }
    )
    return Document.of(fields, text=(case.key, case.title, case.description))


def _expected(conn: Connection, query: str) -> list[str]:
    compiled = compile_query(query)
    archived = "archived" in query
    projects = {p.id: p for p in ProjectReader(conn).list()}
    people = {u.id: u for u in UserReader(conn).list()}
    found = [
        case
        for case in CaseReader(conn).list_cases(include_archived=archived)
        if compiled.matches(
            _whole_document(
                case,
                projects[case.project_id],
                people.get(case.assignee_id) if case.assignee_id else None,
            )
        )
    ]
    found.sort(key=lambda case: (case.created_at, str(case.id)), reverse=True)
    return [case.key for case in found]


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_what_the_whole_documents_match(cases: Engine, query: str) -> None:
    with cases.connect() as conn:
        expected = _expected(conn, query)
        page = CasePages(conn).search(
            CasePages.parse(query), sort="created", ascending=False, offset=0, limit=100
        )
        api = search(conn, CaseQuery(query, "created_at", False, size=100))
    assert [row.key for row in page.rows] == expected
    assert page.total == len(expected)
    assert [case.key for case in api.cases] == expected
