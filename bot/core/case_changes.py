"""Which status changes a case allows, and what a recovery does to it.

Pure, like bot/core/cases.py whose values these plan over: the case service
(`bot.services.cases`) applies the plan or turns an `Invalid` into its error.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.core.cases import Case, CaseStatus, CaseType, ClosingReason, choices
from bot.core.invalid import Invalid
from bot.core.records import record


@record
class StatusChange:
    """What a status change writes: the new status, closed time and closing reason."""

    status: CaseStatus
    closed_at: datetime | None
    closing_reason: str | None


def plan_status_change(
    case: Case,
    status: CaseStatus,
    *,
    closing_reason: ClosingReason | None,
    now: datetime,
) -> StatusChange | Invalid | None:
    """The change setting `status` makes, None when nothing changes, or why it is refused.

    Any status may follow any other (Datadog enforces no order). Closing a
    SECURITY case needs a closing reason, given now or set earlier. Closing sets
    `closed_at`; leaving CLOSED clears `closed_at` and the closing reason, which
    belonged to that closure.
    """
    if status == case.status:
        if closing_reason is not None and closing_reason != case.closing_reason:
            return StatusChange(status, case.closed_at, closing_reason)
        return None
    if status == CaseStatus.CLOSED:
        reason = closing_reason or case.closing_reason
        if case.type == CaseType.SECURITY and reason is None:
            return Invalid(
                "closing_reason",
                f"{case.key} is a SECURITY case: closing it needs a closing reason "
                f"({choices(ClosingReason)})",
            )
        return StatusChange(status, now, reason)
    if case.status == CaseStatus.CLOSED:
        return StatusChange(status, None, None)
    return StatusChange(status, None, closing_reason or case.closing_reason)


class AutoClose(StrEnum):
    """What a monitor-group recovery does to one case of the cycle."""

    CLOSE = "close"
    ALREADY_CLOSED = "already_closed"
    # A SECURITY case without a closing reason stays open with a note.
    NEEDS_REASON = "needs_reason"


def plan_auto_close(case: Case) -> AutoClose:
    if case.status == CaseStatus.CLOSED:
        return AutoClose.ALREADY_CLOSED
    if case.type == CaseType.SECURITY and case.closing_reason is None:
        return AutoClose.NEEDS_REASON
    return AutoClose.CLOSE
