"""Error-tracking automation rules: the ordered list's statements.

bot/errortracking/automation.py decides (checks queries, computes the order);
these run the SQL inside the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from bot.core.rules import Rule
from bot.db.error_tracking import error_tracking_rules, rule_from_row

_r = error_tracking_rules.c


def list_rules(conn: Connection) -> list[Rule]:
    """Every rule, in order."""
    rows = conn.execute(select(error_tracking_rules).order_by(_r.position, _r.created_at))
    return [rule_from_row(row) for row in rows]


def find_rule(conn: Connection, rule_id: uuid.UUID) -> Rule | None:
    row = conn.execute(select(error_tracking_rules).where(_r.id == rule_id)).first()
    return rule_from_row(row) if row is not None else None


def insert_rule(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(error_tracking_rules), dict(values))


def update_rule(conn: Connection, rule_id: uuid.UUID, values: Mapping[str, Any]) -> None:
    conn.execute(update(error_tracking_rules).where(_r.id == rule_id), dict(values))


def delete_rule(conn: Connection, rule_id: uuid.UUID) -> None:
    conn.execute(delete(error_tracking_rules).where(_r.id == rule_id))


def write_order(conn: Connection, rule_ids: Sequence[uuid.UUID]) -> None:
    """Give the rules the positions 0, 1, 2, … in the order listed."""
    if not rule_ids:
        return
    conn.execute(
        update(error_tracking_rules).where(_r.id == bindparam("rule_id")),
        [{"rule_id": rule_id, "position": position} for position, rule_id in enumerate(rule_ids)],
    )
