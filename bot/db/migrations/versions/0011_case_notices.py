"""Case notices sent by the database: on PostgreSQL, every statement that appends timeline
entries NOTIFYs one notice per entry on `casebot_case_changes` (the case's id and key,
and the entry's id), in the entries' order. Nothing on SQLite (one server; its pages
hear changes in-process).

The notices used to be sent by a case listener, a statement of their own after each
change, while the case's rows (and, for a new case, its project's case counter) were
locked: every case API write paid a round trip for it.

Revision ID: 0011_case_notices
Revises: 0010_notifications
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_case_notices"
down_revision: str | Sequence[str] | None = "0010_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out (not imported from bot.db.case_notices) so that this revision never changes.
_FUNCTION = """
CREATE FUNCTION casebot_case_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- In the entries' order: the subquery sorts, the outer query notifies.
    PERFORM pg_notify('casebot_case_changes', n.payload)
       FROM (SELECT json_build_object('case', e.case_id, 'key', c.key, 'entry', e.id)::text
                    AS payload
               FROM new_entries AS e JOIN cases AS c ON c.id = e.case_id
              ORDER BY e.id) AS n;
    RETURN NULL;
END
$$
"""
_TRIGGER = """
CREATE TRIGGER case_timeline_notices
    AFTER INSERT ON case_timeline
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION casebot_case_notices()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    op.execute(_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER case_timeline_notices ON case_timeline")
    op.execute("DROP FUNCTION casebot_case_notices()")
