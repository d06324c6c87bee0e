"""What the console's case page reads beside the case itself: its project, people,
monitor groups and cycles, Slack messages, linked issues; its version; people to
assign. (The list's search is bot/db/case_search.py, shared with the case API.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, select

from bot.db.cases import case_timeline, cases
from bot.db.error_tracking import error_tracking_issues
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups
from bot.db.projects import projects
from bot.db.slack_tables import slack_messages
from bot.db.users import users


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A monitor group the case belongs to, and the alert cycle it came from."""

    source: str
    monitor_id: str
    monitor_name: str
    group: str
    state: str
    cycle: int
    current_cycle: int


@dataclass(frozen=True, slots=True)
class SlackMessageRef:
    channel_id: str
    ts: str


@dataclass(frozen=True, slots=True)
class IssueRef:
    id: uuid.UUID
    title: str
    service: str
    state: str
    occurrences: int


@dataclass(frozen=True, slots=True)
class CaseSurroundings:
    project_name: str
    project_key: str
    project_channel: str | None
    assignee: str | None
    creator: str | None
    groups: tuple[GroupRef, ...]
    slack_messages: tuple[SlackMessageRef, ...]
    issues: tuple[IssueRef, ...]


def case_surroundings(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    project_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
    created_by: uuid.UUID | None,
) -> CaseSurroundings:
    project = conn.execute(
        select(projects.c.name, projects.c.key, projects.c.slack_channel).where(
            projects.c.id == project_id
        )
    ).one()
    names = {
        row.id: row.name
        for row in conn.execute(
            select(users.c.id, users.c.name).where(
                users.c.id.in_([i for i in (assignee_id, created_by) if i is not None])
            )
        )
    }
    groups = tuple(
        GroupRef(
            r.source, r.monitor_id, r.monitor_name, r.group_key, r.state, r.case_cycle, r.cycle
        )
        for r in conn.execute(
            select(monitor_groups, monitor_cycle_cases.c.cycle.label("case_cycle"))
            .join(monitor_cycle_cases, monitor_cycle_cases.c.group_id == monitor_groups.c.id)
            .where(monitor_cycle_cases.c.case_id == case_id)
        )
    )
    messages = tuple(
        SlackMessageRef(r.channel_id, r.ts)
        for r in conn.execute(
            select(slack_messages.c.channel_id, slack_messages.c.ts)
            .where(
                slack_messages.c.case_id == case_id,
                slack_messages.c.ts.is_not(None),
                slack_messages.c.channel_id.is_not(None),
            )
            .order_by(slack_messages.c.id)
        )
    )
    t = error_tracking_issues.c
    issues = tuple(
        IssueRef(r.id, r.title, r.service, r.state, r.occurrences)
        for r in conn.execute(
            select(t.id, t.title, t.service, t.state, t.occurrences)
            .where(t.case_id == case_id)
            .order_by(t.last_seen.desc())
        )
    )
    return CaseSurroundings(
        project_name=project.name,
        project_key=project.key,
        project_channel=project.slack_channel,
        assignee=names.get(assignee_id) if assignee_id else None,
        creator=names.get(created_by) if created_by else None,
        groups=groups,
        slack_messages=messages,
        issues=issues,
    )


_LATEST_ENTRY = select(func.max(case_timeline.c.id)).where(
    case_timeline.c.case_id == bindparam("b_case")
)


def latest_entry_id(conn: Connection, case_id: uuid.UUID) -> int:
    """The id of the case's newest timeline entry (0 for none): its version."""
    return int(conn.execute(_LATEST_ENTRY, {"b_case": case_id}).scalar_one() or 0)


def user_names(conn: Connection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(select(users.c.id, users.c.name).where(users.c.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def people(conn: Connection) -> list[tuple[uuid.UUID, str, str | None]]:
    """People a case can be assigned to: users with an e-mail or a Slack id (not API keys),
    as (id, name, e-mail), by name."""
    rows = conn.execute(
        select(users.c.id, users.c.name, users.c.email)
        .where(users.c.email.is_not(None) | users.c.slack_user_id.is_not(None))
        .order_by(func.lower(users.c.name), users.c.id)
    )
    return [(row.id, row.name, row.email) for row in rows]


def moved_key(conn: Connection, old_key: str) -> str | None:
    """The key now of the case that had `old_key` before it moved to another project."""
    entry = case_timeline.c
    found = conn.execute(
        select(cases.c.key)
        .join(case_timeline, entry.case_id == cases.c.id)
        .where(entry.kind == "moved", entry.data["from_key"].as_string() == old_key)
        .order_by(entry.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return str(found) if found is not None else None
