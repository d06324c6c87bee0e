"""What flows out of the pipeline: a delivery as received, and what it did.

`Delivery` is one HTTP request's raw bytes; `EventReport` and `DeliveryReport`
say what each event and the whole delivery did (they become the inbox row's
outcome and JSON result, and what listeners such as the Slack outbox and the
metrics are told); `Notification` is an applied notification as the Slack
outbox receives it inside the transaction.

`Settled` is a delivery's report with its inbox row's JSON result. `rejected`,
`duplicate`, `processed` and `failed` make one each: a delivery on its own and
one of a batch settle through the same four.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from bot.core.alert_cycles import Outcome
from bot.core.events import MonitorEvent, Source
from bot.core.inbox import Outcome as InboxOutcome
from bot.core.monitor import Decision
from bot.core.records import record
from bot.sources import SourceError
from handles.types import Rendered, Transition


@record
class Delivery:
    """One HTTP request as received: the raw bytes are what the inbox keeps."""

    source: Source
    body: bytes
    received_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)


@record
class EventReport:
    """What one event of a delivery did."""

    monitor_id: str
    group: str
    state: str
    outcome: str
    transition: str = ""
    opened: tuple[str, ...] = ()
    appended: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()
    noted: tuple[str, ...] = ()
    reopened: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    note: str | None = None
    # `muted by downtime <id> (<message>)`: a downtime muted the notification.
    muted: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "monitor_id": self.monitor_id,
            "group": self.group,
            "state": self.state,
            "outcome": self.outcome,
        }
        if self.transition:
            data["transition"] = self.transition
        for name in ("opened", "reopened", "appended", "closed", "noted"):
            if getattr(self, name):
                data[name] = list(getattr(self, name))
        if self.skipped:
            data["skipped"] = [{"handle": h, "reason": r} for h, r in self.skipped]
        if self.note:
            data["note"] = self.note
        if self.muted:
            data["muted"] = self.muted
        return data


@record
class DeliveryReport:
    inbox_id: int
    source: Source
    outcome: InboxOutcome
    reason: str | None = None
    events: tuple[EventReport, ...] = ()
    errors: tuple[Mapping[str, str], ...] = ()


Listener = Callable[[DeliveryReport], None]


@record
class Settled:
    """What became of a delivery: its report, and the inbox row's JSON result."""

    report: DeliveryReport
    result: dict[str, Any] | None


def rejected(inbox_id: int, source: Source, error: SourceError) -> Settled:
    """A body the source refused (stored, never applied)."""
    errors = tuple(error.as_errors())
    reason = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    report = DeliveryReport(inbox_id, source, InboxOutcome.REJECTED, reason, (), errors)
    return Settled(report, {"errors": list(errors)})


def duplicate(inbox_id: int, source: Source, original: int) -> Settled:
    """A delivery whose sender id inbox row `original` already carries."""
    reason = f"same delivery id as inbox #{original}"
    report = DeliveryReport(inbox_id, source, InboxOutcome.DUPLICATE, reason)
    return Settled(report, {"duplicate_of": original})


def processed(
    inbox_id: int, source: Source, reports: tuple[EventReport, ...], events: Sequence[MonitorEvent]
) -> Settled:
    """A delivery whose events were applied (or found already applied)."""
    outcome, reason = summarize(reports, events)
    report = DeliveryReport(inbox_id, source, outcome, reason, reports)
    return Settled(report, {"events": [r.as_json() for r in reports]})


def failed(inbox_id: int, source: Source, error: BaseException) -> Settled:
    """A delivery whose processing raised: kept with the error for `casebot inbox retry`."""
    reason = f"{type(error).__name__}: {error}"
    return Settled(DeliveryReport(inbox_id, source, InboxOutcome.FAILED, reason), None)


@record
class Notification:
    """An applied notification of one group's alert cycle, with its rendered text."""

    group_id: int
    cycle: int
    event: MonitorEvent
    transition: Transition
    rendered: Rendered
    now: datetime  # when casebot applied it (not the sender's time)


class NotificationListener(Protocol):
    """Told of each applied notification inside the transaction (the Slack outbox)."""

    def on_notification(self, conn: Connection, notification: Notification) -> None: ...


def summarize(
    reports: Sequence[EventReport], events: Sequence[MonitorEvent] = ()
) -> tuple[InboxOutcome, str | None]:
    """A delivery is a duplicate (or late) only when all its events are. The reason
    also says when the sender left alerts out of the delivery (`events` tell)."""
    outcomes = {r.outcome for r in reports}
    reason: str | None
    if outcomes == {Outcome.DUPLICATE.value}:
        outcome, reason = InboxOutcome.DUPLICATE, "every event was already applied"
    elif outcomes and outcomes <= {Outcome.DUPLICATE.value, Outcome.LATE.value}:
        outcome, reason = InboxOutcome.LATE, "older than the group's last transition"
    else:
        skipped = [f"@case-{h} ({why})" for r in reports for h, why in r.skipped]
        outcome = InboxOutcome.PROCESSED
        reason = ("opened nothing for " + ", ".join(dict.fromkeys(skipped))) if skipped else None
        muted = list(dict.fromkeys(r.muted for r in reports if r.muted))
        if muted:
            reason = "; ".join([*muted, *([reason] if reason else [])])
    left_out = max((_truncated(e) for e in events), default=0)
    if left_out:
        note = (
            f"the sender left out {left_out} alert{'s' if left_out > 1 else ''} "
            "(truncatedAlerts; set max_alerts to 0): their changes did not reach casebot"
        )
        reason = f"{reason}; {note}" if reason else note
    return outcome, reason


def _truncated(event: MonitorEvent) -> int:
    count = event.attributes.get("truncated_alerts") if event.attributes else None
    return count if isinstance(count, int) else 0


def applied_report(
    event: MonitorEvent,
    decision: Decision,
    note: str | None,
    *,
    opened: tuple[str, ...] = (),
    appended: tuple[str, ...] = (),
    closed: tuple[str, ...] = (),
    noted: tuple[str, ...] = (),
    reopened: tuple[str, ...] = (),
) -> EventReport:
    return EventReport(
        monitor_id=event.monitor_id,
        group=event.group,
        state=event.state.value,
        outcome=Outcome.APPLIED.value,
        transition=describe_transition(decision.transition),
        opened=opened,
        appended=appended,
        closed=closed,
        noted=noted,
        reopened=reopened,
        skipped=tuple((s.handle, s.reason.value) for s in decision.skipped),
        note=note,
        muted=decision.muted.reason if decision.muted is not None else None,
    )


def describe_transition(transition: Transition) -> str:
    before = transition.previous.value if transition.previous is not None else "new"
    text = f"{before} → {transition.current.value}"
    return text + " (renotify)" if transition.renotify else text
