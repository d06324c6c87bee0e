"""What goes with a project when it is deleted: its cases and its automation rules."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, func, select

from bot.db.cases import cases
from bot.db.error_tracking import error_tracking_rules


def case_counts(conn: Connection) -> dict[uuid.UUID, int]:
    """Cases per project (archived ones too); a project without cases is absent."""
    rows = conn.execute(select(cases.c.project_id, func.count()).group_by(cases.c.project_id))
    return {row[0]: int(row[1]) for row in rows}


def rule_count(conn: Connection, project_id: uuid.UUID) -> int:
    """The automation rules that route issues to the project."""
    query = select(func.count()).where(error_tracking_rules.c.project_id == project_id)
    return int(conn.execute(query).scalar_one())
