"""Downtimes (Datadog's Downtimes API v2) and the notifications they muted.

Revision ID: 0007_downtimes
Revises: 0006_custom_attributes
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0007_downtimes"
down_revision: str | Sequence[str] | None = "0006_custom_attributes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here (not imported) so that this revision never changes.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "downtimes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("monitor_id", sa.BigInteger(), nullable=True),
        sa.Column("monitor_tags", _JSON, nullable=False),
        sa.Column("schedule", _JSON, nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("display_timezone", sa.String(100), nullable=True),
        sa.Column("mute_first_recovery", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("notify_end_states", _JSON, nullable=False),
        sa.Column("notify_end_types", _JSON, nullable=False),
        sa.Column(
            "created_by",
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("modified_at", _TIME, nullable=False),
        sa.Column("canceled_at", _TIME, nullable=True),
        sa.Column("ends_done_through", _TIME, nullable=True),
        sa.Column("settled_at", _TIME, nullable=True),
    )
    op.create_index("ix_downtimes_settled_at", "downtimes", ["settled_at"])
    op.create_table(
        "muted_notifications",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "downtime_id",
            sa.Uuid(),
            sa.ForeignKey("downtimes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "group_id",
            _ID,
            sa.ForeignKey("monitor_groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("occurred_at", _TIME, nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=True),
        sa.Column("event", _JSON, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_muted_notifications_downtime_id_group_id",
        "muted_notifications",
        ["downtime_id", "group_id"],
    )
    op.create_index("ix_muted_notifications_group_id", "muted_notifications", ["group_id"])


def downgrade() -> None:
    op.drop_table("muted_notifications")
    op.drop_table("downtimes")
