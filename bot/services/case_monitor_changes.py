"""What a monitor group does to its case: its recovery closes the case (rule 3 of the
engine; a SECURITY case without a closing reason stays open with a note saying so), and
its next alert within the reopen window opens the case again. The pipeline, the
inactivity sweep and stale groups call these through `CaseService`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.case_changes import AutoClose, plan_auto_close
from bot.core.cases import Actor, Case, CaseStatus, ClosedBy, ClosingReason, TimelineKind
from bot.services.case_reader import CaseRef
from bot.services.case_writer import CaseWriter


class MonitorChanges(CaseWriter):
    """The changes casebot makes to a case on its monitor group's behalf."""

    def auto_close(
        self,
        ref: CaseRef,
        *,
        actor: Actor,
        body: str = "monitor group resolved",
        data: Mapping[str, Any] | None = None,
        closed_by: ClosedBy = ClosedBy.RECOVERY,
    ) -> AutoClose:
        """Close the case because its monitor group resolved (rule 3 of the engine), or
        for another reason of casebot's own (`closed_by`: inactivity, a stale group).

        An already closed case is left alone; a SECURITY case without a closing
        reason stays open and gets a note saying it needs one.
        """
        case = self._load_for_change(ref)
        outcome = plan_auto_close(case)
        extra = dict(data or {})
        if outcome == AutoClose.CLOSE:
            changed = self._update(
                case,
                {
                    "status": CaseStatus.CLOSED.value,
                    "closed_at": self.now,
                    "closed_by": closed_by.value,
                },
            )
            extra.update({"from": case.status.value, "to": CaseStatus.CLOSED.value})
            self._record(changed, case, TimelineKind.AUTO_CLOSE, actor, body, extra)
        elif outcome == AutoClose.NEEDS_REASON:
            note = (
                f"{body}; this SECURITY case stays open: closing it needs a closing reason "
                f"({', '.join(ClosingReason)})"
            )
            changed = self._update(case, {}, actor)
            self._record(changed, case, TimelineKind.NOTE, actor, note, extra)
        return outcome

    def reopen(
        self, ref: CaseRef, *, actor: Actor, body: str, data: Mapping[str, Any] | None = None
    ) -> Case:
        """Open a closed case again because its monitor group re-fired (the reopen window)."""
        case = self._load_for_change(ref)
        changed = self._update(
            case,
            {
                "status": CaseStatus.OPEN.value,
                "closed_at": None,
                "closing_reason": None,
                "closed_by": None,
                "reopen_count": case.reopen_count + 1,
            },
        )
        extra = {**(data or {}), "from": case.status.value, "to": CaseStatus.OPEN.value}
        self._record(changed, case, TimelineKind.REOPENED, actor, body, extra)
        return changed
