"""Reading and writing issue rows and their activity, inside the caller's transaction.

No decisions here: the services decide, the store writes. Every write also
appends the matching activity entry, so an issue's activity is complete.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from bot.core.cases import ACTOR_NAME_MAX, Actor, CaseStatus
from bot.core.issue_sync import LinkedCase
from bot.core.issues import Activity, ActivityKind, Issue, IssueState
from bot.db.error_tracking import (
    activity_from_row,
    error_tracking_activity,
    error_tracking_issues,
    error_tracking_occurrences,
    issue_from_row,
)

_i = error_tracking_issues.c


class IssueStore:
    def __init__(self, conn: Connection, *, now: datetime) -> None:
        self.conn = conn
        self.now = now

    def find(self, issue_id: uuid.UUID, *, for_update: bool = False) -> Issue | None:
        query = select(error_tracking_issues).where(_i.id == issue_id)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return issue_from_row(row) if row is not None else None

    def by_fingerprint(self, fingerprint: str) -> Issue | None:
        query = select(error_tracking_issues).where(_i.fingerprint == fingerprint)
        row = self.conn.execute(query).first()
        return issue_from_row(row) if row is not None else None

    def linked(self, case_id: uuid.UUID, *, for_update: bool = False) -> list[Issue]:
        """The issues linked to a case, oldest first."""
        query = (
            select(error_tracking_issues)
            .where(_i.case_id == case_id)
            .order_by(_i.created_at, _i.id)
        )
        if for_update:
            query = query.with_for_update()
        return [issue_from_row(row) for row in self.conn.execute(query)]

    def linked_case(self, status: CaseStatus, case_id: uuid.UUID) -> LinkedCase:
        """The pure model of a case and its issues, for bot/core/issue_sync.py."""
        return LinkedCase(status, {str(i.id): i.state for i in self.linked(case_id)})

    def search(
        self,
        *,
        states: Sequence[str] = (),
        assignee_ids: Sequence[uuid.UUID] = (),
        seen_from: datetime | None = None,
        seen_to: datetime | None = None,
        equal: Sequence[tuple[str, str]] = (),
    ) -> list[Issue]:
        """Issues in these states, of these assignees, seen in the time range, and equal
        to each (`state`, API name) or (`service` | `team` | `env`, lower-cased value)."""
        statement = select(error_tracking_issues)
        if states:
            statement = statement.where(_i.state.in_(list(states)))
        if assignee_ids:
            statement = statement.where(_i.assignee_id.in_(list(assignee_ids)))
        if seen_from is not None:
            statement = statement.where(_i.last_seen >= seen_from)
        if seen_to is not None:
            statement = statement.where(_i.first_seen <= seen_to)
        for column, value in equal:
            if column == "state":
                statement = statement.where(_i.state == value)
            else:
                statement = statement.where(func.lower(_i[column]) == value)
        return [issue_from_row(row) for row in self.conn.execute(statement)]

    def activity(self, issue_id: uuid.UUID) -> list[Activity]:
        rows = self.conn.execute(
            select(error_tracking_activity)
            .where(error_tracking_activity.c.issue_id == issue_id)
            .order_by(error_tracking_activity.c.id)
        )
        return [activity_from_row(row) for row in rows]

    def write(self, issue: Issue, values: Mapping[str, Any]) -> Issue:
        """Update the row; returns the issue as it now is."""
        changes = {**values, "modified_at": self.now}
        self.conn.execute(update(error_tracking_issues).where(_i.id == issue.id), changes)
        typed = dict(changes)
        if "state" in typed:
            typed["state"] = IssueState(typed["state"])
        return replace(issue, **typed)

    def set_state(self, issue: Issue, state: IssueState, actor: Actor, **data: Any) -> Issue:
        """Move `issue` to `state`, with its activity entry; RESOLVED notes when."""
        values: dict[str, Any] = {"state": state.value}
        if state is IssueState.RESOLVED:
            values["resolved_at"] = self.now
        changed = self.write(issue, values)
        body = f"State changed from {issue.state.label} to {state.label}"
        self.record(
            issue.id,
            ActivityKind.STATE,
            actor,
            body,
            {"from": issue.state.value, "to": state.value, **data},
        )
        return changed

    def set_assignee(
        self, issue: Issue, user_id: uuid.UUID | None, name: str, actor: Actor, **data: Any
    ) -> Issue:
        changed = self.write(issue, {"assignee_id": user_id})
        body = f"Assigned to {name}" if user_id is not None else "Unassigned"
        self.record(
            issue.id,
            ActivityKind.ASSIGNEE,
            actor,
            body,
            {
                "from": str(issue.assignee_id) if issue.assignee_id else None,
                "to": str(user_id) if user_id else None,
                **data,
            },
        )
        return changed

    def record(
        self,
        issue_id: uuid.UUID,
        kind: str,
        actor: Actor,
        body: str,
        data: Mapping[str, Any] | None = None,
    ) -> Activity:
        entry_id = self.conn.execute(
            insert(error_tracking_activity).returning(error_tracking_activity.c.id),
            {
                "issue_id": issue_id,
                "kind": str(kind),
                "actor_user_id": actor.user_id,
                "actor_source": str(actor.source),
                "actor_name": actor.name[:ACTOR_NAME_MAX],
                "body": body,
                "data": dict(data or {}),
                "created_at": self.now,
            },
        ).scalar_one()
        return Activity(entry_id, issue_id, str(kind), actor, body, dict(data or {}), self.now)

    def insert(self, values: Mapping[str, Any]) -> None:
        self.conn.execute(insert(error_tracking_issues), dict(values))

    def add_occurrence(self, values: Mapping[str, Any]) -> None:
        """One occurrence of an issue's error (the columns of `error_tracking_occurrences`)."""
        self.conn.execute(insert(error_tracking_occurrences), dict(values))


def ids(issues: Sequence[Issue]) -> list[str]:
    return [str(issue.id) for issue in issues]
