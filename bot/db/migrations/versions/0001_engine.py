"""The engine's tables: projects, users, cases and timeline, monitor groups, inbox, settings.

Revision ID: 0001_engine
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001_engine"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here (not imported) so that this revision never changes.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True, unique=True),
        sa.Column("slack_user_id", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key", sa.String(10), nullable=False, unique=True),
        sa.Column("handle", sa.String(64), nullable=False, unique=True),
        sa.Column("monitor_enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("auto_close", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("default_case_type", sa.String(50), nullable=False, server_default="STANDARD"),
        sa.Column("slack_channel", sa.String(200), nullable=True),
        sa.Column("mirror_threads", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column(
            "is_error_tracking_default", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_table(
        "project_counters",
        sa.Column(
            "project_id",
            sa.Uuid(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("last", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Uuid(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(24), nullable=False, unique=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column(
            "assignee_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("attributes", _JSON, nullable=False),
        sa.Column("creation_source", sa.String(30), nullable=False),
        sa.Column(
            "created_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("closing_reason", sa.String(50), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("modified_at", _TIME, nullable=False),
        sa.Column("closed_at", _TIME, nullable=True),
        sa.Column("archived_at", _TIME, nullable=True),
        sa.UniqueConstraint("project_id", "number"),
    )
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_assignee_id", "cases", ["assignee_id"])
    op.create_index("ix_cases_created_at", "cases", ["created_at"])
    op.create_table(
        "case_timeline",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "case_id",
            sa.Uuid(),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column(
            "actor_user_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("actor_source", sa.String(30), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_index("ix_case_timeline_case_id_id", "case_timeline", ["case_id", "id"])
    op.create_table(
        "monitor_groups",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("monitor_id", sa.String(200), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("monitor_name", sa.Text(), nullable=False, server_default=""),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("last_transition_at", _TIME, nullable=True),
        sa.Column("cycle", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cycle_key", sa.String(200), nullable=True),
        sa.Column("cycle_started_at", _TIME, nullable=True),
        sa.Column("last_triggered_at", _TIME, nullable=True),
        sa.Column("last_delivery_fingerprint", sa.String(200), nullable=True),
        sa.UniqueConstraint("source", "monitor_id", "group_key"),
    )
    op.create_table(
        "monitor_cycle_cases",
        sa.Column(
            "group_id",
            _ID,
            sa.ForeignKey("monitor_groups.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("cycle", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(
            "project_id",
            sa.Uuid(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "case_id",
            sa.Uuid(),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_index("ix_monitor_cycle_cases_case_id", "monitor_cycle_cases", ["case_id"])
    op.create_table(
        "inbox",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("headers", _JSON, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("delivery_key", sa.String(300), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("processed_at", _TIME, nullable=True),
        sa.Column("result", _JSON, nullable=True),
        sa.UniqueConstraint("source", "delivery_key"),
    )
    op.create_index("ix_inbox_outcome_id", "inbox", ["outcome", "id"])
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "app_settings",
        "inbox",
        "monitor_cycle_cases",
        "monitor_groups",
        "case_timeline",
        "cases",
        "project_counters",
        "projects",
        "users",
    ):
        op.drop_table(table)
