"""Lifecycle: projects' lifecycle settings, who closed a case and when a person first
worked it, and when a monitor group was last notified or marked stale.

Revision ID: 0009_lifecycle
Revises: 0008_outbox_claims
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_lifecycle"
down_revision: str | Sequence[str] | None = "0008_outbox_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here (not imported) so that this revision never changes.
_TIME = sa.DateTime(timezone=True)
_PROJECT_COLUMNS = (
    ("auto_close_inactive", sa.Boolean(), sa.false()),
    ("max_inactive_secs", sa.Integer(), sa.text("2592000")),
    ("self_assign_in_progress", sa.Boolean(), sa.false()),
    ("reopen_window_secs", sa.Integer(), sa.text("0")),
    ("close_unless_worked", sa.Boolean(), sa.false()),
    ("close_stale_groups", sa.Boolean(), sa.false()),
)


def upgrade() -> None:
    for name, kind, default in _PROJECT_COLUMNS:
        op.add_column("projects", sa.Column(name, kind, nullable=False, server_default=default))
    op.add_column("cases", sa.Column("closed_by", sa.String(20), nullable=True))
    op.add_column("cases", sa.Column("first_worked_at", _TIME, nullable=True))
    op.add_column(
        "cases", sa.Column("reopen_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("monitor_groups", sa.Column("last_notified_at", _TIME, nullable=True))
    op.add_column("monitor_groups", sa.Column("stale_at", _TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitor_groups") as batch:
        batch.drop_column("stale_at")
        batch.drop_column("last_notified_at")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("reopen_count")
        batch.drop_column("first_worked_at")
        batch.drop_column("closed_by")
    with op.batch_alter_table("projects") as batch:
        for name, _kind, _default in reversed(_PROJECT_COLUMNS):
            batch.drop_column(name)
