"""Slack: live messages, the outbox, processed event ids, channels.

Revision ID: 0002_slack
Revises: 0001_engine
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002_slack"
down_revision: str | Sequence[str] | None = "0001_engine"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here (not imported) so that this revision never changes.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "slack_messages",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "group_id",
            _ID,
            sa.ForeignKey("monitor_groups.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("cycle", sa.Integer(), nullable=True),
        sa.Column("channel_ref", sa.String(200), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.Column(
            "case_id",
            sa.Uuid(),
            sa.ForeignKey("cases.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("alert", _JSON, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("blocks", _JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("synced_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.UniqueConstraint("group_id", "cycle", "channel_ref"),
    )
    op.create_index("ix_slack_messages_channel_id_ts", "slack_messages", ["channel_id", "ts"])
    op.create_index("ix_slack_messages_case_id", "slack_messages", ["case_id"])
    op.create_table(
        "slack_outbox",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("channel_ref", sa.String(200), nullable=False),
        sa.Column(
            "message_id",
            _ID,
            sa.ForeignKey("slack_messages.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("not_before", _TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("sent_at", _TIME, nullable=True),
    )
    op.create_index(
        "ix_slack_outbox_status_channel_ref_id",
        "slack_outbox",
        ["status", "channel_ref", "id"],
    )
    op.create_table(
        "slack_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("received_at", _TIME, nullable=False),
    )
    op.create_table(
        "slack_channels",
        sa.Column("channel_ref", sa.String(200), primary_key=True),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("quiet", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("resolved_at", _TIME, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("slack_channels")
    op.drop_table("slack_events")
    op.drop_table("slack_outbox")
    op.drop_table("slack_messages")
