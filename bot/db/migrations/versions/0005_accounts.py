"""Console accounts, their sessions and failed sign-ins.

Revision ID: 0005_accounts
Revises: 0002_slack, 0003_api_keys, 0004_error_tracking
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_accounts"
# Joins the areas' branches: from here on revisions follow one another.
down_revision: str | Sequence[str] | None = ("0002_slack", "0003_api_keys", "0004_error_tracking")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here (not imported) so that this revision never changes.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column(
            "user_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("password_changed_at", _TIME, nullable=False),
        sa.Column("disabled_at", _TIME, nullable=True),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("last_seen_at", _TIME, nullable=False),
        sa.Column("revoked_at", _TIME, nullable=True),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_index(
        "ix_sign_in_failures_email_created_at", "sign_in_failures", ["email", "created_at"]
    )
    op.create_index(
        "ix_sign_in_failures_address_created_at", "sign_in_failures", ["address", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_table("web_sessions")
    op.drop_table("accounts")
