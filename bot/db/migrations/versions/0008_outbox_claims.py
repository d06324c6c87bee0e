"""The Slack outbox across replicas: claims with a lease, and a shared per-channel pace.

Revision ID: 0008_outbox_claims
Revises: 0007_downtimes
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_outbox_claims"
down_revision: str | Sequence[str] | None = "0007_downtimes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here (not imported) so that this revision never changes.
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("slack_outbox") as table:
        table.add_column(sa.Column("claimed_by", sa.String(100), nullable=True))
        table.add_column(sa.Column("claimed_until", _TIME, nullable=True))
        table.add_column(sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("takeovers", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(
            sa.Column("maybe_delivered", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.add_column(
            sa.Column("recovered", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "slack_pace",
        sa.Column("channel_ref", sa.String(200), primary_key=True),
        sa.Column("next_at", _TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slack_pace")
    with op.batch_alter_table("slack_outbox") as table:
        for name in (
            "recovered", "maybe_delivered", "takeovers", "claims", "claimed_until", "claimed_by",
        ):  # fmt: skip
            table.drop_column(name)
