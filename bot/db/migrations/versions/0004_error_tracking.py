"""Error tracking: issues, occurrences, issue activity and automation rules.

Revision ID: 0004_error_tracking
Revises: 0001_engine
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004_error_tracking"
down_revision: str | Sequence[str] | None = "0001_engine"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here (not imported) so that this revision never changes.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "error_tracking_rules",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column(
            "project_id",
            sa.Uuid(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("auto_create", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("modified_at", _TIME, nullable=False),
    )
    op.create_index("ix_error_tracking_rules_position", "error_tracking_rules", ["position"])
    op.create_table(
        "error_tracking_issues",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("fingerprint", sa.String(200), nullable=False, unique=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("env", sa.String(100), nullable=True),
        sa.Column("error_type", sa.String(500), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False, server_default=""),
        sa.Column("first_seen", _TIME, nullable=False),
        sa.Column("last_seen", _TIME, nullable=False),
        sa.Column("first_seen_version", sa.String(100), nullable=True),
        sa.Column("last_seen_version", sa.String(100), nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column(
            "assignee_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "case_id", sa.Uuid(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "project_id",
            sa.Uuid(),
            sa.ForeignKey("projects.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "rule_id",
            sa.Uuid(),
            sa.ForeignKey("error_tracking_rules.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("resolved_at", _TIME, nullable=True),
        sa.Column("regressed_at", _TIME, nullable=True),
        sa.Column("regressed_at_version", sa.String(100), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("modified_at", _TIME, nullable=False),
    )
    op.create_index("ix_error_tracking_issues_case_id", "error_tracking_issues", ["case_id"])
    op.create_index("ix_error_tracking_issues_state", "error_tracking_issues", ["state"])
    op.create_index("ix_error_tracking_issues_last_seen", "error_tracking_issues", ["last_seen"])
    op.create_table(
        "error_tracking_occurrences",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "issue_id",
            sa.Uuid(),
            sa.ForeignKey("error_tracking_issues.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("occurred_at", _TIME, nullable=False),
        sa.Column("version", sa.String(100), nullable=True),
        sa.Column("env", sa.String(100), nullable=True),
        sa.Column("message", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index(
        "ix_error_tracking_occurrences_issue_id_occurred_at",
        "error_tracking_occurrences",
        ["issue_id", "occurred_at"],
    )
    op.create_table(
        "error_tracking_activity",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "issue_id",
            sa.Uuid(),
            sa.ForeignKey("error_tracking_issues.id", ondelete="CASCADE"),
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
    op.create_index(
        "ix_error_tracking_activity_issue_id_id", "error_tracking_activity", ["issue_id", "id"]
    )


def downgrade() -> None:
    op.drop_table("error_tracking_activity")
    op.drop_table("error_tracking_occurrences")
    op.drop_table("error_tracking_issues")
    op.drop_table("error_tracking_rules")
