"""Monitor group state and the cases of each alert cycle."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from bot.core.events import MONITOR_ID_MAX
from bot.db.metadata import AutoId, UTCDateTime, metadata

monitor_groups = Table(
    "monitor_groups",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("source", String(30), nullable=False),
    Column("monitor_id", String(MONITOR_ID_MAX), nullable=False),
    # Canonical group key: sorted `k:v` tags joined by ",", or "*".
    Column("group_key", Text, nullable=False),
    Column("monitor_name", Text, nullable=False, server_default=""),
    Column("state", String(20), nullable=False),
    Column("last_transition_at", UTCDateTime, nullable=True),
    # Current alert cycle number; 0 = the group never left OK.
    Column("cycle", Integer, nullable=False, server_default="0"),
    # The sender's own cycle id (Datadog $ALERT_CYCLE_KEY), when it has one.
    Column("cycle_key", String(MONITOR_ID_MAX), nullable=True),
    # When the current cycle began and when the group last moved into a non-OK
    # state: Datadog's `first_triggered_at` and `last_triggered_at` for rendering.
    Column("cycle_started_at", UTCDateTime, nullable=True),
    Column("last_triggered_at", UTCDateTime, nullable=True),
    Column("last_delivery_fingerprint", String(200), nullable=True),
    # When casebot last received a notification for the group (a repeat included): a
    # group in Alert or Warn silent for longer than its source repeats is stale.
    Column("last_notified_at", UTCDateTime, nullable=True),
    # When the scheduler marked the group stale (cleared by its next notification).
    Column("stale_at", UTCDateTime, nullable=True),
    UniqueConstraint("source", "monitor_id", "group_key"),
)

# The primary key (group, cycle, project) is what makes concurrent first alerts of
# one group open exactly one case per project: the second insert fails.
monitor_cycle_cases = Table(
    "monitor_cycle_cases",
    metadata,
    Column(
        "group_id",
        AutoId,
        ForeignKey("monitor_groups.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("cycle", Integer, primary_key=True, autoincrement=False),
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "case_id",
        Uuid,
        ForeignKey("cases.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", UTCDateTime, nullable=False),
)
