"""Cases and their append-only timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    DDL,
    Column,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    event,
    text,
)

from bot.core import custom_attributes as custom
from bot.core.cases import ACTOR_NAME_MAX, Actor, Case, CaseStatus, Priority, TimelineEntry
from bot.db.case_notices import TRIGGER_DDL
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
    # key -> {"type", "is_multi", "value"}, as the API writes a custom attribute.
    Column("custom_attributes", Document, nullable=False, server_default=text("'{}'")),
    Column("creation_source", String(30), nullable=False),
    Column("created_by", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("closing_reason", String(50), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("archived_at", UTCDateTime, nullable=True),
    # `recovery`, `inactivity` or `stale` when casebot closed it; a person's source else.
    Column("closed_by", String(20), nullable=True),
    # When a person first changed or commented on it.
    Column("first_worked_at", UTCDateTime, nullable=True),
    Column("reopen_count", Integer, nullable=False, server_default="0"),
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
    Column("actor_name", String(ACTOR_NAME_MAX), nullable=False, server_default=""),
    Column("body", Text, nullable=False, server_default=""),
    Column("data", Document, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "case_id", "id"),
)
# PostgreSQL: the database notifies each timeline entry appended (bot/db/case_notices.py).
# Revision 0011 creates the trigger in a migrated database; this, in one made from the
# table modules (bot/db/migrate.py).
for _statement in TRIGGER_DDL:
    _ddl = DDL(_statement).execute_if(dialect="postgresql")  # type: ignore[no-untyped-call]
    event.listen(case_timeline, "after_create", _ddl)


def case_from_row(row: Row[Any]) -> Case:
    """A `Case` from a row selected from `cases` (all columns)."""
    return Case(
        id=row.id,
        project_id=row.project_id,
        number=row.number,
        key=row.key,
        title=row.title,
        description=row.description,
        type=row.type,
        status=CaseStatus(row.status),
        priority=Priority(row.priority),
        assignee_id=row.assignee_id,
        attributes=attributes_from_json(row.attributes),
        creation_source=row.creation_source,
        created_by=row.created_by,
        closing_reason=row.closing_reason,
        created_at=row.created_at,
        modified_at=row.modified_at,
        closed_at=row.closed_at,
        archived_at=row.archived_at,
        custom_attributes=custom_attributes_from_json(row.custom_attributes),
        closed_by=row.closed_by,
        first_worked_at=row.first_worked_at,
        reopen_count=row.reopen_count,
    )


def attributes_from_json(value: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in (value or {}).items()}


def attributes_to_json(value: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    return {key: list(values) for key, values in value.items()}


def custom_attributes_from_json(
    value: Mapping[str, Any] | None,
) -> dict[str, custom.CustomAttribute]:
    return {key: custom.from_json(document) for key, document in (value or {}).items()}


def custom_attributes_to_json(value: custom.CustomAttributes) -> dict[str, Any]:
    return {key: attribute.to_json() for key, attribute in value.items()}


def timeline_entry_from_row(row: Row[Any]) -> TimelineEntry:
    """A `TimelineEntry` from a row selected from `case_timeline` (all columns)."""
    return TimelineEntry(
        id=row.id,
        case_id=row.case_id,
        kind=row.kind,
        actor=Actor(row.actor_source, row.actor_user_id, row.actor_name),
        body=row.body,
        data=row.data,
        created_at=row.created_at,
    )


def case_to_row(case: Case) -> dict[str, Any]:
    """The column values of `case`, to insert."""
    return {
        "id": case.id,
        "project_id": case.project_id,
        "number": case.number,
        "key": case.key,
        "title": case.title,
        "description": case.description,
        "type": case.type,
        "status": case.status.value,
        "priority": case.priority.value,
        "assignee_id": case.assignee_id,
        "attributes": attributes_to_json(case.attributes),
        "creation_source": case.creation_source,
        "created_by": case.created_by,
        "closing_reason": case.closing_reason,
        "created_at": case.created_at,
        "modified_at": case.modified_at,
        "closed_at": case.closed_at,
        "archived_at": case.archived_at,
        "custom_attributes": custom_attributes_to_json(case.custom_attributes),
        "closed_by": case.closed_by,
        "first_worked_at": case.first_worked_at,
        "reopen_count": case.reopen_count,
    }


def with_row_values(case: Case, values: Mapping[str, Any]) -> Case:
    """`case` with the written column values applied, typed as a `Case` holds them."""
    fields: dict[str, Any] = dict(values)
    if "status" in fields:
        fields["status"] = CaseStatus(fields["status"])
    if "priority" in fields:
        fields["priority"] = Priority(fields["priority"])
    if "attributes" in fields:
        fields["attributes"] = {k: tuple(v) for k, v in fields["attributes"].items()}
    if "custom_attributes" in fields:
        fields["custom_attributes"] = custom_attributes_from_json(fields["custom_attributes"])
    return replace(case, **fields)
