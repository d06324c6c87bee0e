"""The stages a delivery flows through, in order:

    parse → dedupe → render → decide → persist → announce

`parse` turns the raw body into events (bot.sources). `dedupe` drops a delivery
whose sender id was already stored (the inbox's unique key) and, per event, a
notification the group has already seen or that is older than what it has seen
(`bot.core.monitor.classify`). `render` applies the notification language for
the transition (Datadog bodies arrive rendered: only mentions are read).
`decide` is `bot.core.monitor.decide`. `persist` writes the group, the cases
and the inbox outcome in the caller's transaction. `announce` runs after the
caller commits (`Pipeline.announce`), so nothing is announced that rolled back.

The caller owns the transaction: the web writer commits many deliveries at
once, `casebot replay` one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

import handles
from bot.core.cases import DESCRIPTION_MAX, TITLE_MAX, Actor, CreationSource, TimelineKind
from bot.core.events import MonitorEvent, Source
from bot.core.inbox import Outcome as InboxOutcome
from bot.core.monitor import (
    AppendTimeline,
    CloseCase,
    Decision,
    GroupState,
    NoteOnCase,
    OpenCase,
    Outcome,
    ProjectTarget,
    advance,
    case_mentions,
    classify,
    decide,
    transition_for,
)
from bot.db import group_store, inbox_store
from bot.db.group_store import DirectGroups, Groups, PreloadedGroups
from bot.errortracking.case_sync import with_issue_sync
from bot.pipeline.reports import (
    Delivery,
    DeliveryReport,
    EventReport,
    Listener,
    Notification,
    NotificationListener,
    applied_report,
    summarize,
)
from bot.services.cases import CaseListener, CaseService
from bot.services.cycles import CycleCases
from bot.sources import SourceError, SourcesConfig, parse_delivery, verify_signature
from handles.types import Event, Rendered, State, Transition


@dataclass(slots=True)
class Batch:
    """Per-transaction memo: project lookups are done once per handle."""

    projects: dict[str, ProjectTarget | None] = field(default_factory=dict)


class Pipeline:
    def __init__(
        self,
        *,
        sources: SourcesConfig | None = None,
        listeners: Sequence[Listener] = (),
        case_listeners: Sequence[CaseListener] = (),
        notification_listeners: Sequence[NotificationListener] = (),
    ) -> None:
        self.sources = sources or SourcesConfig()
        self.listeners = tuple(listeners)
        # Called by CaseService inside the transaction (the Slack outbox, issue sync).
        self.case_listeners = with_issue_sync(case_listeners, lambda: self.case_listeners)
        # Called after each applied notification, inside the transaction (the Slack outbox).
        self.notification_listeners = tuple(notification_listeners)

    # -- stage 1: parse -------------------------------------------------------------

    def parse(
        self, delivery: Delivery, *, now: datetime, verify: bool = True
    ) -> list[MonitorEvent]:
        """Events of the delivery. Raises `SignatureError` (refuse, store nothing) or
        `SourceError` (store as rejected). A delivery read back from the inbox was
        verified when it arrived: `verify=False` skips the signature then."""
        if verify and delivery.source is Source.GRAFANA:
            verify_signature(delivery.body, delivery.headers, config=self.sources.grafana, now=now)
        return parse_delivery(
            delivery.source,
            delivery.body,
            delivery.headers,
            config=self.sources,
            received_at=delivery.received_at,
        )

    # -- the whole delivery, inside the caller's transaction -------------------------

    def store_rejected(
        self, conn: Connection, delivery: Delivery, error: SourceError, *, now: datetime
    ) -> DeliveryReport:
        errors = tuple(error.as_errors())
        inbox_id = _new_inbox_row(conn, delivery, InboxOutcome.REJECTED)
        reason = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        inbox_store.finish(
            conn, inbox_id, InboxOutcome.REJECTED, reason, {"errors": list(errors)}, now
        )
        return DeliveryReport(inbox_id, delivery.source, InboxOutcome.REJECTED, reason, (), errors)

    def store_failed(
        self, conn: Connection, delivery: Delivery, error: BaseException, *, now: datetime
    ) -> DeliveryReport:
        """Keep a delivery whose processing failed, with the error, for `inbox retry`."""
        inbox_id = _new_inbox_row(conn, delivery, InboxOutcome.FAILED)
        reason = f"{type(error).__name__}: {error}"
        inbox_store.finish(conn, inbox_id, InboxOutcome.FAILED, reason, None, now)
        return DeliveryReport(inbox_id, delivery.source, InboxOutcome.FAILED, reason)

    def mark(
        self,
        conn: Connection,
        inbox_id: int,
        outcome: InboxOutcome,
        reason: str,
        *,
        now: datetime,
        errors: Sequence[Mapping[str, str]] = (),
    ) -> None:
        """Record a new outcome on a stored delivery (a retry that failed or was refused)."""
        result = {"errors": list(errors)} if errors else None
        inbox_store.finish(conn, inbox_id, outcome, reason, result, now)

    def accept(
        self,
        conn: Connection,
        delivery: Delivery,
        events: Sequence[MonitorEvent],
        *,
        now: datetime,
        batch: Batch | None = None,
    ) -> DeliveryReport:
        """Store the delivery and process its events (stages 2 to 5)."""
        key = delivery_key(events)
        inbox_id = _insert_inbox(conn, delivery, key=key, outcome=InboxOutcome.PENDING)
        if inbox_id is None:  # the sender's id is already in the inbox: a redelivery
            assert key is not None, "only a row with a key can conflict"
            original = inbox_store.find_keyed(conn, delivery.source.value, key)
            inbox_id = _new_inbox_row(conn, delivery, InboxOutcome.DUPLICATE)
            reason = f"same delivery id as inbox #{original}"
            inbox_store.finish(
                conn, inbox_id, InboxOutcome.DUPLICATE, reason, {"duplicate_of": original}, now
            )
            return DeliveryReport(inbox_id, delivery.source, InboxOutcome.DUPLICATE, reason)
        return self.process(conn, inbox_id, delivery.source, events, now=now, batch=batch)

    def process(
        self,
        conn: Connection,
        inbox_id: int,
        source: Source,
        events: Sequence[MonitorEvent],
        *,
        now: datetime,
        batch: Batch | None = None,
    ) -> DeliveryReport:
        """Stages 2 to 5 for a stored delivery; records the outcome on its inbox row."""
        memo = batch or Batch()
        cases = CaseService(conn, now=now, listeners=self.case_listeners)
        groups = DirectGroups()
        reports = tuple(
            self._event(conn, cases, memo, inbox_id, e, now=now, groups=groups) for e in events
        )
        outcome, reason = summarize(reports, events)
        result = {"events": [r.as_json() for r in reports]}
        inbox_store.finish(conn, inbox_id, outcome, reason, result, now)
        return DeliveryReport(inbox_id, source, outcome, reason, reports)

    def accept_batch(
        self,
        conn: Connection,
        items: Sequence[tuple[Delivery, Sequence[MonitorEvent] | SourceError]],
        *,
        now: datetime,
    ) -> list[DeliveryReport]:
        """Many deliveries in one transaction (group commit), in as few statements as
        possible: ids for the inbox rows in one, the groups read in one query and written
        in two, the inbox rows (with their outcomes) in one. Any failure raises: the
        caller then redoes the deliveries one per transaction with `accept` and
        `store_rejected`."""
        keys = [None if isinstance(ev, SourceError) else delivery_key(ev) for _, ev in items]
        pairs = zip(items, keys, strict=True)
        stored = inbox_store.stored_keys(conn, [(d.source.value, k) for (d, _), k in pairs if k])
        first: dict[tuple[str, str], int] = {}
        duplicate_of: dict[int, tuple[str, int]] = {}
        for i, ((delivery, _), key) in enumerate(zip(items, keys, strict=True)):
            if key is None:
                continue
            wanted = (delivery.source.value, key)
            if wanted in stored:
                duplicate_of[i] = ("inbox", stored[wanted])
            elif wanted in first:
                duplicate_of[i] = ("item", first[wanted])
            else:
                first[wanted] = i
        ids = inbox_store.allocate_ids(conn, len(items))

        memo = Batch()
        cases = CaseService(conn, now=now, listeners=self.case_listeners)
        accepted = [
            i
            for i, (_, events) in enumerate(items)
            if i not in duplicate_of and not isinstance(events, SourceError)
        ]
        groups = PreloadedGroups(
            conn,
            [e for i in accepted for e in items[i][1]],  # type: ignore[union-attr]
        )
        reports: list[DeliveryReport] = []
        rows: list[dict[str, Any]] = []
        for i, (delivery, events) in enumerate(items):
            key = keys[i]
            if isinstance(events, SourceError):
                errors = tuple(events.as_errors())
                reason = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
                report = DeliveryReport(
                    ids[i], delivery.source, InboxOutcome.REJECTED, reason, (), errors
                )
                result: dict[str, Any] | None = {"errors": list(errors)}
            elif i in duplicate_of:
                kind, ref = duplicate_of[i]
                original = ref if kind == "inbox" else ids[ref]
                reason = f"same delivery id as inbox #{original}"
                report = DeliveryReport(ids[i], delivery.source, InboxOutcome.DUPLICATE, reason)
                result = {"duplicate_of": original}
                key = None  # the key stays with the first delivery that carried it
            else:
                events_report = tuple(
                    self._event(conn, cases, memo, ids[i], e, now=now, groups=groups)
                    for e in events
                )
                outcome, summary = summarize(events_report, events)
                report = DeliveryReport(ids[i], delivery.source, outcome, summary, events_report)
                result = {"events": [r.as_json() for r in events_report]}
            reports.append(report)
            rows.append(
                {
                    **_inbox_values(delivery, key, report.outcome),
                    "id": ids[i],
                    "reason": report.reason,
                    "result": result,
                    "processed_at": now,
                }
            )
        groups.flush(conn)
        inbox_store.insert_finished(conn, rows)
        return reports

    def announce(self, reports: Iterable[DeliveryReport]) -> None:
        """Stage 6, after the caller committed: tell listeners (Slack, metrics)."""
        for report in reports:
            for listener in self.listeners:
                listener(report)

    # -- one event -------------------------------------------------------------------

    def _event(
        self,
        conn: Connection,
        cases: CaseService,
        memo: Batch,
        inbox_id: int,
        event: MonitorEvent,
        *,
        now: datetime,
        groups: Groups,
    ) -> EventReport:
        for _attempt in range(3):
            locked = groups.load(conn, event)
            group = locked.state
            outcome = classify(group, event)
            if outcome is not Outcome.APPLIED:
                return EventReport(event.monitor_id, event.group, event.state.value, outcome.value)
            transition = transition_for(group, event)
            rendered, note = render(event, transition, advance(group, event))
            projects = self._projects(conn, memo, case_mentions(rendered.mentions))
            decision = decide(group, event, transition, rendered, projects)
            assert decision.group is not None
            opens = bool(decision.actions) and any(
                isinstance(a, OpenCase) for a in decision.actions
            )
            try:
                group_id = groups.save(
                    conn,
                    locked,
                    event,
                    decision.group,
                    need_id=opens or bool(self.notification_listeners),
                )
            except group_store.GroupCreatedMeanwhile:
                continue  # a concurrent transaction stored this new group first
            break
        else:
            raise RuntimeError(f"group {event.group} kept changing under this transaction")
        after = decision.group
        if decision.starts_cycle and after.cases:
            after = replace(after, cases=())
        groups.applied(conn, event, group_id, after, touched=bool(decision.actions))
        keys = {c.case_id: c.key for c in group.cases} if group is not None else {}
        report = self._persist(
            conn, cases, group_id, inbox_id, event, decision, note, keys=keys, now=now
        )
        if self.notification_listeners:
            assert group_id is not None
            told = Notification(group_id, decision.group.cycle, event, transition, rendered, now)
            for listener in self.notification_listeners:
                listener.on_notification(conn, told)
        return report

    def _projects(
        self, conn: Connection, memo: Batch, wanted: Iterable[str]
    ) -> dict[str, ProjectTarget]:
        missing = [h for h in wanted if h not in memo.projects]
        if missing:
            found = group_store.projects_by_handle(conn, missing)
            for handle in missing:
                memo.projects[handle] = found.get(handle)
        return {h: p for h in wanted if (p := memo.projects.get(h)) is not None}

    def _persist(
        self,
        conn: Connection,
        cases: CaseService,
        group_id: int | None,
        inbox_id: int,
        event: MonitorEvent,
        decision: Decision,
        note: str | None,
        *,
        keys: Mapping[str, str],
        now: datetime,
    ) -> EventReport:
        assert decision.group is not None
        opened: list[str] = []
        appended: list[str] = []
        closed: list[str] = []
        noted: list[str] = []
        actions = decision.actions
        if not actions:  # most notifications: a new group's first alert, a renotification
            return applied_report(event, decision, note)
        data = _transition_data(event, decision.transition, inbox_id)
        actor = Actor.monitor(event.monitor_name or event.monitor_id)
        for action in actions:
            match action:
                case AppendTimeline():
                    cases.append(
                        action.case_id,
                        kind=TimelineKind.MONITOR_TRANSITION,
                        body=action.text,
                        actor=actor,
                        data=data,
                    )
                    appended.append(keys.get(action.case_id, action.case_id))
                case CloseCase():
                    cases.auto_close(action.case_id, actor=actor, body=action.message, data=data)
                    closed.append(keys.get(action.case_id, action.case_id))
                case NoteOnCase():
                    cases.append(
                        action.case_id, kind=TimelineKind.NOTE, body=action.message, actor=actor
                    )
                    noted.append(keys.get(action.case_id, action.case_id))
                case OpenCase():
                    assert group_id is not None, "a group that opens a case is saved at once"
                    case = CycleCases(cases).open(
                        group_id,
                        decision.group.cycle,
                        project=UUID(action.project_id),
                        title=_clip(action.title, TITLE_MAX),
                        description=_clip(action.description, DESCRIPTION_MAX),
                        actor=actor,
                        type=action.case_type,
                        priority=action.priority,
                        attributes=action.attributes,
                        creation_source=CreationSource.MONITOR,
                    )
                    cases.append(
                        case,
                        kind=TimelineKind.MONITOR_TRANSITION,
                        body=action.description,
                        actor=actor,
                        data=data,
                    )
                    opened.append(case.key)
        return applied_report(
            event,
            decision,
            note,
            opened=tuple(opened),
            appended=tuple(appended),
            closed=tuple(closed),
            noted=tuple(noted),
        )


# -- stage 3: render -------------------------------------------------------------------


def render(
    event: MonitorEvent, transition: Transition, group: GroupState
) -> tuple[Rendered, str | None]:
    """The message as it reads for this transition, and a note if it could not be rendered.

    A message with a template error opens no case (its mentions cannot be trusted:
    they may sit in a block meant for another transition); the event still counts
    for the group and lands on the cycle's cases with the raw text.
    """
    if event.rendered:
        return Rendered(event.message, handles.extract_mentions(event.message)), None
    try:
        template = handles.parse(event.message)
        return template.render(
            Event(
                transition=transition,
                tags=event.tags,
                values=event.values,
                attributes=event.attributes,
                first_triggered_at=group.cycle_started_at or event.first_triggered_at,
                last_triggered_at=group.last_triggered_at,
                occurred_at=event.occurred_at,
            )
        ), None
    except handles.TemplateError as error:
        return Rendered(event.message), f"message not rendered: {error}"


# -- small pieces ------------------------------------------------------------------------


def delivery_key(events: Sequence[MonitorEvent]) -> str | None:
    """The sender's id for the delivery: its events' ids, when every event has one."""
    ids = [e.delivery_id for e in events]
    if not ids or any(i is None for i in ids):
        return None
    key = ",".join(sorted({i for i in ids if i is not None}))
    return key if len(key) <= 300 else None


def _transition_data(event: MonitorEvent, transition: Transition, inbox_id: int) -> dict[str, Any]:
    return {
        "source": event.source.value,
        "monitor_id": event.monitor_id,
        "monitor_name": event.monitor_name,
        "group": event.group,
        "previous": transition.previous.value if transition.previous else None,
        "current": transition.current.value,
        "renotify": transition.renotify,
        "recovery": transition.current is State.OK,
        "occurred_at": event.occurred_at.isoformat(),
        "inbox_id": inbox_id,
        "link": event.link,
    }


def _inbox_values(delivery: Delivery, key: str | None, outcome: InboxOutcome) -> dict[str, Any]:
    return inbox_store.row_values(
        source=delivery.source.value,
        received_at=delivery.received_at,
        headers=delivery.headers,
        body=delivery.body,
        key=key,
        outcome=outcome,
    )


def _insert_inbox(
    conn: Connection, delivery: Delivery, *, key: str | None, outcome: InboxOutcome
) -> int | None:
    return inbox_store.insert_row(conn, _inbox_values(delivery, key, outcome))


def _new_inbox_row(conn: Connection, delivery: Delivery, outcome: InboxOutcome) -> int:
    inbox_id = _insert_inbox(conn, delivery, key=None, outcome=outcome)
    assert inbox_id is not None, "a row without a key never conflicts"
    return inbox_id


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
