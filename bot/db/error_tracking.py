"""Error-tracking tables: issues, their occurrences and activity, and automation rules.

An issue groups the occurrences of one error (same fingerprint). It links to
at most one case (`case_id`); a case holds many issues. Each issue's activity
(state and assignee changes, comments, links) is its own append-only list,
like a case's timeline. Rules are ordered by `position` (0, 1, 2, …), which
is rewritten as a whole when rules are added, removed or reordered.
The error-tracking default project is a flag on `projects`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    Uuid,
    false,
)

from bot.core.cases import ACTOR_NAME_MAX, Actor
from bot.core.issues import Activity, Issue, IssueState
from bot.core.rules import Rule
from bot.db.metadata import AutoId, Document, UTCDateTime, metadata

error_tracking_rules = Table(
    "error_tracking_rules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("query", Text, nullable=False),
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("auto_create", Boolean, nullable=False, server_default=false()),
    # 0-based rule order; the first matching rule applies.
    Column("position", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    Index(None, "position"),
)

error_tracking_issues = Table(
    "error_tracking_issues",
    metadata,
    Column("id", Uuid, primary_key=True),
    # What groups occurrences into this issue; sent by the client or derived.
    Column("fingerprint", String(200), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("service", String(200), nullable=False),
    Column("team", String(200), nullable=True),
    Column("env", String(100), nullable=True),
    Column("error_type", String(500), nullable=False),
    Column("error_message", Text, nullable=False, server_default=""),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("first_seen_version", String(100), nullable=True),
    Column("last_seen_version", String(100), nullable=True),
    Column("occurrences", Integer, nullable=False),
    # IssueState API name: OPEN (FOR REVIEW), ACKNOWLEDGED (REVIEWED), RESOLVED, ...
    Column("state", String(20), nullable=False),
    Column("assignee_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("case_id", Uuid, ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
    # The project the first matching rule routed the issue to when it was new.
    Column("project_id", Uuid, ForeignKey("projects.id", ondelete="SET NULL"), nullable=True),
    Column(
        "rule_id",
        Uuid,
        ForeignKey("error_tracking_rules.id", ondelete="SET NULL"),
        nullable=True,
    ),
    # The regression mark: set when a RESOLVED issue was seen again.
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("regressed_at", UTCDateTime, nullable=True),
    Column("regressed_at_version", String(100), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    Index(None, "case_id"),
    Index(None, "state"),
    Index(None, "last_seen"),
)

# One row per recorded occurrence (EXCLUDED issues record none).
error_tracking_occurrences = Table(
    "error_tracking_occurrences",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column(
        "issue_id",
        Uuid,
        ForeignKey("error_tracking_issues.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("version", String(100), nullable=True),
    Column("env", String(100), nullable=True),
    Column("message", Text, nullable=False, server_default=""),
    Index(None, "issue_id", "occurred_at"),
)

# Append-only, like case_timeline: state, assignee, comment, linked, unlinked, regression.
error_tracking_activity = Table(
    "error_tracking_activity",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column(
        "issue_id",
        Uuid,
        ForeignKey("error_tracking_issues.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("kind", String(40), nullable=False),
    Column("actor_user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("actor_source", String(30), nullable=False),
    Column("actor_name", String(ACTOR_NAME_MAX), nullable=False, server_default=""),
    Column("body", Text, nullable=False, server_default=""),
    Column("data", Document, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "issue_id", "id"),
)


def issue_from_row(row: Row[Any]) -> Issue:
    """An `Issue` from a row selected from `error_tracking_issues` (all columns)."""
    values = dict(row._mapping)
    values["state"] = IssueState(values["state"])
    return Issue(**values)


def activity_from_row(row: Row[Any]) -> Activity:
    return Activity(
        id=row.id,
        issue_id=row.issue_id,
        kind=row.kind,
        actor=Actor(row.actor_source, row.actor_user_id, row.actor_name),
        body=row.body,
        data=dict(row.data),
        created_at=row.created_at,
    )


def rule_from_row(row: Row[Any]) -> Rule:
    return Rule(
        id=str(row.id),
        query=row.query,
        project_id=str(row.project_id),
        auto_create=row.auto_create,
        position=row.position,
    )
