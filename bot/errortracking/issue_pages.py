"""What the console's issue pages read, through one door: the list and one issue's panel.

Reads only; changes go through `IssueService`. Works inside its caller's
connection (a read-only transaction is enough).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.core.cases import Project
from bot.core.issues import Activity, Issue, IssueState, SeenOccurrence
from bot.core.query import Node, QuerySyntaxError, parse
from bot.db import case_views, issue_views
from bot.db.issue_views import LinkedCaseRef
from bot.errortracking.automation import AutomationRules, document_of
from bot.errortracking.errors import IssueNotFound, IssueRef
from bot.errortracking.service import IssueService
from bot.services.projects import ProjectReader

__all__ = [
    "IssuePages",
    "IssuePanel",
    "IssueRow",
    "LinkedCaseRef",
    "ProjectChoice",
    "QuerySyntaxError",
]

QUERY_MAX = 2_000
OCCURRENCES_SHOWN = 20


@dataclass(frozen=True, slots=True)
class IssueRow:
    """An issue as the list shows it: with its case and its assignee's name."""

    issue: Issue
    case: LinkedCaseRef | None
    assignee: str | None


@dataclass(frozen=True, slots=True)
class ProjectChoice:
    """The project a new case for the issue goes to unless a person picks another, and why."""

    project: Project | None
    why: str


@dataclass(frozen=True, slots=True)
class IssuePanel:
    issue: Issue
    case: LinkedCaseRef | None
    assignee: str | None
    occurrences: tuple[SeenOccurrence, ...]
    # Newest first.
    activity: tuple[Activity, ...]
    choice: ProjectChoice
    projects: tuple[Project, ...]
    # The current names of the people in the activity, by user id.
    names: dict[uuid.UUID, str]

    def actor_name(self, entry: Activity) -> str:
        if entry.actor.user_id is not None and entry.actor.user_id in self.names:
            return self.names[entry.actor.user_id]
        return entry.actor.name or entry.actor.source

    @property
    def comments(self) -> tuple[Activity, ...]:
        return tuple(entry for entry in self.activity if entry.kind == "comment")


class IssuePages:
    def __init__(self, conn: Connection, *, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self.issues = IssueService(conn, now=now)

    @staticmethod
    def parse(text: str) -> Node:
        """The search, parsed; raises `QuerySyntaxError` (with the column)."""
        if len(text) > QUERY_MAX:
            raise QuerySyntaxError(
                QUERY_MAX + 1, "a shorter query", f"use at most {QUERY_MAX} characters"
            )
        return parse(text)

    def rows(
        self,
        *,
        query: Node | None = None,
        states: Sequence[IssueState] = (),
        order_by: str = "LAST_SEEN",
        limit: int = 100,
    ) -> list[IssueRow]:
        """Issues that match, best first (the error-tracking API's search)."""
        found = self.issues.search(query=query, states=states, order_by=order_by, limit=limit)
        cases = issue_views.case_refs(self.conn, [i.case_id for i in found if i.case_id])
        names = case_views.user_names(self.conn, {i.assignee_id for i in found if i.assignee_id})
        return [
            IssueRow(
                issue,
                cases.get(issue.case_id) if issue.case_id else None,
                names.get(issue.assignee_id) if issue.assignee_id else None,
            )
            for issue in found
        ]

    def panel(self, ref: IssueRef) -> IssuePanel | None:
        """Everything the issue panel shows, or None when there is no such issue."""
        try:
            issue = self.issues.find(ref)
        except IssueNotFound:
            return None
        if issue is None:
            return None
        activity = tuple(reversed(self.issues.store.activity(issue.id)))
        people = {e.actor.user_id for e in activity if e.actor.user_id}
        if issue.assignee_id:
            people.add(issue.assignee_id)
        names = case_views.user_names(self.conn, people)
        case = None
        if issue.case_id is not None:
            case = issue_views.case_refs(self.conn, [issue.case_id]).get(issue.case_id)
        return IssuePanel(
            issue=issue,
            case=case,
            assignee=names.get(issue.assignee_id) if issue.assignee_id else None,
            occurrences=tuple(
                issue_views.occurrences(self.conn, issue.id, limit=OCCURRENCES_SHOWN)
            ),
            activity=activity,
            choice=self.choice(issue),
            projects=tuple(ProjectReader(self.conn).list()),
            names=names,
        )

    def choice(self, issue: Issue) -> ProjectChoice:
        """The first matching rule's project, else the error-tracking default."""
        rules = AutomationRules(self.conn, now=self.now)
        match = rules.first_match(document_of(issue))
        projects = ProjectReader(self.conn)
        if match is not None:
            found = projects.find(uuid.UUID(match.project_id))
            if found is not None:
                why = f"rule {match.index + 1} ({match.rule.query}) routes this issue here"
                return ProjectChoice(found, why)
        default = projects.error_tracking_default()
        if default is not None:
            return ProjectChoice(default, "no rule matches: the error-tracking default")
        return ProjectChoice(None, "no rule matches and no project is the error-tracking default")

    def recent(self, limit: int = 20) -> list[Issue]:
        """The issues seen last, for trying the rules on one."""
        return self.issues.search(order_by="LAST_SEEN", limit=limit)
