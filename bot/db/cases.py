"""Cases and their append-only timeline."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from bot.db.metadata import AutoId, Document, UTCDateTime, metadata

cases = Table(
    "cases",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("number", Integer, nullable=False),
    # `<PROJECTKEY>-<number>`; changes when the case moves to another project.
    Column("key", String(24), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("type", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", String(20), nullable=False),
    Column("assignee_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    # key -> list of strings (service, team, env, ...).
    Column("attributes", Document, nullable=False),
    Column("creation_source", String(30), nullable=False),
    Column("created_by", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("closing_reason", String(50), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("archived_at", UTCDateTime, nullable=True),
    UniqueConstraint("project_id", "number"),
    Index(None, "status"),
    Index(None, "assignee_id"),
    Index(None, "created_at"),
)

# Append-only: rows are inserted, never updated or deleted (except with their case).
case_timeline = Table(
    "case_timeline",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column(
        "case_id",
        Uuid,
        ForeignKey("cases.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # created, status, priority, assignee, title, description, attributes, comment,
    # monitor_transition, auto_close, moved, archived, unarchived, resolved_reason, note, ...
    Column("kind", String(40), nullable=False),
    Column("actor_user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    # Where the change came from: monitor, slack, api, cli, error_tracking, system.
    Column("actor_source", String(30), nullable=False),
    Column("actor_name", String(200), nullable=False, server_default=""),
    Column("body", Text, nullable=False, server_default=""),
    Column("data", Document, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "case_id", "id"),
)
