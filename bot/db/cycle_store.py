"""An alert cycle's claimed cases: `monitor_cycle_cases`, one row per (group, cycle, project).

The primary key (group, cycle, project) is the backstop that makes a second case
for one cycle and project impossible whatever happens. bot/services/cycles.py
is the one place that opens a cycle's case and claims it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, bindparam, insert, select, update

from bot.core.alert_cycles import CaseCycle
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups

_g = monitor_groups.c

_CLAIM = insert(monitor_cycle_cases)


def claim_cycle_case(
    conn: Connection,
    *,
    group_id: int,
    cycle: int,
    project_id: str,
    case_id: str,
    now: datetime,
) -> None:
    """Record the cycle's case for a project; a second one violates the primary key."""
    conn.execute(_CLAIM, claim_values(group_id, cycle, UUID(project_id), UUID(case_id), now))


def claim_values(
    group_id: int, cycle: int, project_id: UUID, case_id: UUID, now: datetime
) -> dict[str, Any]:
    """A claim's row (`monitor_cycle_cases`)."""
    return {
        "group_id": group_id,
        "cycle": cycle,
        "project_id": project_id,
        "case_id": case_id,
        "created_at": now,
    }


_other_claim = monitor_cycle_cases.alias("other_claim")
_MOVE_CLAIMS = (
    update(monitor_cycle_cases)
    .where(
        monitor_cycle_cases.c.case_id == bindparam("b_case_id"),
        ~select(_other_claim.c.case_id)
        .where(
            _other_claim.c.group_id == monitor_cycle_cases.c.group_id,
            _other_claim.c.cycle == monitor_cycle_cases.c.cycle,
            _other_claim.c.project_id == bindparam("b_project_id"),
        )
        .exists(),
    )
    .values(project_id=bindparam("b_project_id"))
)


def move_cycle_claims(conn: Connection, *, case_id: UUID, project_id: UUID) -> None:
    """A case moved to another project takes its alert cycles' claims along.

    The cycle then counts as having a case in the new project (a later mention of
    it opens no second one) and auto-close follows the new project's setting. Where
    the cycle already has another case in that project, that case keeps the claim
    (one per group, cycle and project) and the moved case keeps the old project's.
    """
    conn.execute(_MOVE_CLAIMS, {"b_case_id": case_id, "b_project_id": project_id})


_LOCK_BY_ID = select(_g.id).where(_g.id == bindparam("group_id")).with_for_update()
_FIRST_CYCLE_CASE = (
    select(monitor_cycle_cases.c.case_id)
    .where(
        monitor_cycle_cases.c.group_id == bindparam("group_id"),
        monitor_cycle_cases.c.cycle == bindparam("cycle"),
    )
    .order_by(monitor_cycle_cases.c.created_at)
    .limit(1)
)
_CYCLES_OF_CASE = (
    select(monitor_groups, monitor_cycle_cases.c.cycle.label("case_cycle"))
    .join(monitor_cycle_cases, monitor_cycle_cases.c.group_id == _g.id)
    .where(monitor_cycle_cases.c.case_id == bindparam("case_id"))
)


def lock_by_id(conn: Connection, group_id: int) -> None:
    """Hold the group's row until the transaction ends (see `lock`)."""
    conn.execute(_LOCK_BY_ID, {"group_id": group_id}).first()


def first_cycle_case(conn: Connection, group_id: int, cycle: int) -> UUID | None:
    """The first case claimed for the group's cycle, in any project."""
    found = conn.execute(_FIRST_CYCLE_CASE, {"group_id": group_id, "cycle": cycle})
    case_id: UUID | None = found.scalar_one_or_none()
    return case_id


def cycles_of_case(conn: Connection, case_id: UUID) -> list[CaseCycle]:
    """The groups' cycles that claim the case."""
    return [
        CaseCycle(r.source, r.monitor_id, r.monitor_name, r.group_key, r.state, r.case_cycle)
        for r in conn.execute(_CYCLES_OF_CASE, {"case_id": case_id})
    ]
