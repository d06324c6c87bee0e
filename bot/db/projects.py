"""Projects and their gapless case-number counters."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Uuid,
    false,
    true,
)

from bot.db.metadata import UTCDateTime, metadata

projects = Table(
    "projects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    # Immutable once created: case keys are built from it.
    Column("key", String(10), nullable=False, unique=True),
    # Lowercase; used in notifications as `@case-<handle>`.
    Column("handle", String(64), nullable=False, unique=True),
    Column("monitor_enabled", Boolean, nullable=False, server_default=true()),
    Column("auto_close", Boolean, nullable=False, server_default=true()),
    Column("default_case_type", String(50), nullable=False, server_default="STANDARD"),
    Column("slack_channel", String(200), nullable=True),
    Column("mirror_threads", Boolean, nullable=False, server_default=true()),
    Column("is_error_tracking_default", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per project. Taking the next number is `UPDATE ... SET last = last + 1
# RETURNING last` in the transaction that inserts the case: the row lock
# serialises concurrent creators and a rolled-back insert gives its number back.
project_counters = Table(
    "project_counters",
    metadata,
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("last", Integer, nullable=False, server_default="0"),
)
