"""Notifications: destinations, Datadog's notification rules, case watchers, a project's
notification settings, and the notification outbox.

Revision ID: 0010_notifications
Revises: 0009_lifecycle
Create Date: 2026-12-07
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0010_notifications"
down_revision: str | Sequence[str] | None = "0009_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here (not imported) so that this revision never changes.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def _project_id() -> sa.Column[uuid.UUID]:
    return sa.Column(
        "project_id", sa.Uuid(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "notification_destinations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_table(
        "notification_rules",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _project_id(),
        sa.Column("query", sa.Text(), nullable=False, server_default=""),
        sa.Column("triggers", _JSON, nullable=False),
        sa.Column("recipients", _JSON, nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("modified_at", _TIME, nullable=False),
    )
    op.create_index("ix_notification_rules_project_id", "notification_rules", ["project_id"])
    op.create_table(
        "case_watchers",
        sa.Column(
            "case_id", sa.Uuid(), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_table(
        "project_notification_settings",
        sa.Column(
            "project_id",
            sa.Uuid(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("settings", _JSON, nullable=False),
    )
    op.create_table(
        "notification_outbox",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "case_id", sa.Uuid(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("recipient", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("destination_id", sa.Uuid(), nullable=True),
        sa.Column("address", sa.String(320), nullable=True),
        sa.Column("open_key", sa.String(500), nullable=True, unique=True),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("not_before", _TIME, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("claimed_until", _TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("sent_at", _TIME, nullable=True),
    )
    op.create_index(
        "ix_notification_outbox_status_not_before", "notification_outbox", ["status", "not_before"]
    )
    op.create_index(
        "ix_notification_outbox_case_id_recipient", "notification_outbox", ["case_id", "recipient"]
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("entry_id", _ID, primary_key=True, autoincrement=False),
        sa.Column("recipient", sa.String(400), primary_key=True),
        sa.Column(
            "outbox_id",
            _ID,
            sa.ForeignKey("notification_outbox.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    for table in (
        "notification_deliveries", "notification_outbox", "project_notification_settings",
        "case_watchers", "notification_rules", "notification_destinations",
    ):  # fmt: skip
        op.drop_table(table)
