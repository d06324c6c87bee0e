"""The console's list search finds exactly what the case API's search finds.

The list narrows candidates in SQL (statuses, priorities, projects, a superset
for free text) before matching in Python; the API's search is the oracle. The
cases include text that SQL's lower() and Python's casefold() treat apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource
from bot.services.case_pages import CasePages
from bot.services.cases import CaseService
from bot.web.api.case_search import CaseQuery
from bot.web.api.case_search import search as api_search
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


@pytest.fixture
def cases(engine: Engine) -> Engine:
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
    return engine


@pytest.mark.parametrize("query", QUERIES)
def test_the_list_finds_what_the_api_finds(cases: Engine, query: str) -> None:
    with cases.connect() as conn:
        page = CasePages(conn).search(
            CasePages.parse(query), sort="created", ascending=False, offset=0, limit=100
        )
        oracle = api_search(conn, CaseQuery(query, "created_at", False, size=100))
    expected = [item["attributes"]["key"] for item in oracle["data"]]
    assert [row.key for row in page.rows] == expected
    assert page.total == len(expected)
