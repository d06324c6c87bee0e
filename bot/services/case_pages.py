"""What the console's case pages read, through one door: lists, one case, people.

Reads only; changes go through `CaseService`. Works inside its caller's
connection (a read-only transaction is enough).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import Connection

from bot.core.cases import Case, Project, TimelineEntry
from bot.core.query import Query, QuerySyntaxError, compile_query
from bot.db import case_views
from bot.db.case_views import CaseSurroundings, GroupRef, IssueRef, SlackMessageRef
from bot.db.projects import list_projects
from bot.services.case_reader import CaseReader
from bot.services.case_search import SORT_FIELDS, CaseListPage, CaseRow, search_rows

__all__ = [
    "SORT_FIELDS",
    "CaseDetail",
    "CaseListPage",
    "CasePages",
    "CaseRow",
    "CaseSurroundings",
    "GroupRef",
    "IssueRef",
    "Person",
    "QuerySyntaxError",
    "SlackMessageRef",
]

QUERY_MAX = 2_000


@dataclass(frozen=True, slots=True)
class Person:
    id: uuid.UUID
    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: Case
    around: CaseSurroundings
    # Newest first.
    timeline: tuple[TimelineEntry, ...]
    version: int
    # The current names of the people on the timeline (an entry keeps the name its
    # actor had then: a Slack handle, a console name), so one person shows as one.
    names: dict[uuid.UUID, str] = field(default_factory=dict)

    def actor_name(self, entry: TimelineEntry) -> str:
        if entry.actor.user_id is not None and entry.actor.user_id in self.names:
            return self.names[entry.actor.user_id]
        return entry.actor.name or entry.actor.source


class CasePages:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.reader = CaseReader(conn)

    @staticmethod
    def parse(text: str) -> Query:
        """The compiled search; raises `QuerySyntaxError` (with the column) when it does
        not parse."""
        if len(text) > QUERY_MAX:
            raise QuerySyntaxError(
                QUERY_MAX + 1, "a shorter query", f"use at most {QUERY_MAX} characters"
            )
        return compile_query(text)

    def search(
        self, query: Query, *, sort: str, ascending: bool, offset: int, limit: int
    ) -> CaseListPage:
        """One page of the list (the case API's search, with more ways to sort)."""
        return search_rows(
            self.conn, query, sort=sort, ascending=ascending, offset=offset, limit=limit
        )

    def find(self, key: str) -> Case | None:
        """The case with exactly this key (or id), else None."""
        return self.reader.find(key)

    def detail(self, key: str) -> CaseDetail | None:
        case = self.reader.find(key)
        if case is None:
            return None
        around = case_views.case_surroundings(
            self.conn,
            case_id=case.id,
            project_id=case.project_id,
            assignee_id=case.assignee_id,
            created_by=case.created_by,
        )
        timeline = tuple(reversed(self.reader.timeline(case.id)))
        version = timeline[0].id if timeline else 0
        people = {entry.actor.user_id for entry in timeline if entry.actor.user_id}
        names = case_views.user_names(self.conn, people)
        return CaseDetail(case, around, timeline, version, names)

    def moved_key(self, old_key: str) -> str | None:
        """Where a case went that had `old_key` before it moved to another project."""
        return case_views.moved_key(self.conn, old_key)

    def version(self, case_id: uuid.UUID) -> int:
        """The id of the case's newest timeline entry: changes whenever the case does."""
        return case_views.latest_entry_id(self.conn, case_id)

    def all_people(self) -> list[Person]:
        return [Person(*person) for person in case_views.people(self.conn)]

    def all_projects(self) -> list[Project]:
        return list_projects(self.conn)
