"""An alert cycle's cases: the one place that finds, opens and claims them.

A group's alert cycle holds at most one case per project: the primary key of
`monitor_cycle_cases` (group, cycle, project) makes a second claim fail. Both
ways a cycle gets a case go through `CycleCases.open`: the pipeline, when a
notification mentions `@case-<handle>` (it has locked the group already), and
Slack's Create Case, which first calls `lock_case_of` so that two clicks, or a
click and a notification, for one cycle are serialised and the second finds
the first's case.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection

from bot.core.alert_cycles import CaseCycle
from bot.core.cases import Actor, Case, CreationSource, Priority
from bot.db import cycle_store
from bot.services.case_reader import CaseReader
from bot.services.cases import CaseService, ProjectRef

__all__ = ["CaseCycle", "CycleCases", "CycleReader"]


class CycleReader:
    """Reads of cycles and their cases on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def case_of(self, group_id: int, cycle: int) -> Case | None:
        """The first case opened for this group's cycle, whoever opened it."""
        case_id = cycle_store.first_cycle_case(self.conn, group_id, cycle)
        return None if case_id is None else CaseReader(self.conn).find(case_id)

    def cycles_of(self, case_id: uuid.UUID) -> list[CaseCycle]:
        """The groups' alert cycles the case was opened for."""
        return cycle_store.cycles_of_case(self.conn, case_id)


class CycleCases(CycleReader):
    """Opening a cycle's case through `cases`, in its transaction and with its listeners."""

    def __init__(self, cases: CaseService) -> None:
        super().__init__(cases.conn)
        self.cases = cases

    def lock_case_of(self, group_id: int, cycle: int) -> Case | None:
        """Lock the group's row until the transaction ends (FOR UPDATE on PostgreSQL; on
        SQLite, BEGIN IMMEDIATE holds the database), then the cycle's case, if any."""
        cycle_store.lock_by_id(self.conn, group_id)
        return self.case_of(group_id, cycle)

    def open(
        self,
        group_id: int,
        cycle: int,
        *,
        project: ProjectRef,
        title: str,
        actor: Actor,
        creation_source: CreationSource,
        description: str = "",
        type: str | None = None,
        priority: Priority | str = Priority.NOT_DEFINED,
        attributes: Mapping[str, Sequence[str]] | None = None,
        created_by: uuid.UUID | None = None,
    ) -> Case:
        """Open a case for the cycle and claim the cycle for the case's project. The
        caller holds the group's lock; a second case for one project violates the claim."""
        case = self.cases.create_case(
            project=project,
            title=title,
            description=description,
            actor=actor,
            type=type,
            priority=priority,
            attributes=attributes,
            creation_source=creation_source,
            created_by=created_by,
        )
        self._claim(group_id, cycle, case)
        return case

    def reopen(
        self,
        group_id: int,
        cycle: int,
        case_id: uuid.UUID,
        *,
        actor: Actor,
        body: str,
        data: Mapping[str, object],
    ) -> Case:
        """Reopen a case the group's recovery closed, and claim the new cycle for it (the
        reopen window: one case for a flapping group). The caller holds the group's lock."""
        case = self.cases.reopen(case_id, actor=actor, body=body, data=data)
        self._claim(group_id, cycle, case)
        return case

    def _claim(self, group_id: int, cycle: int, case: Case) -> None:
        """Claim the cycle for the case's project: now, or with the batch's cases (a
        batch of deliveries writes its claims on its flush, after the cases)."""
        batch = self.cases.batch
        if batch is not None:
            values = cycle_store.claim_values(
                group_id, cycle, case.project_id, case.id, self.cases.now
            )
            batch.rows.add_claim(values)
            return
        cycle_store.claim_cycle_case(
            self.conn,
            group_id=group_id,
            cycle=cycle,
            project_id=str(case.project_id),
            case_id=str(case.id),
            now=self.cases.now,
        )
