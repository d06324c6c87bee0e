"""The pipeline: every delivery flows through the same stages, in this order.

    parse → dedupe → render → decide → persist → announce

`Pipeline` composes them; each stage is a module of this package. The caller
owns the transaction: the web writer commits many deliveries at once
(`accept_batch`), `casebot replay` and `casebot inbox retry` one at a time
(`accept`, `process`). Both paths settle a delivery through the same
outcomes (bot/pipeline/reports.py) and apply its events through `_event`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection

from bot.core.alert_cycles import Outcome, advance, classify, transition_for
from bot.core.downtimes import ActiveDowntime
from bot.core.events import MonitorEvent, Source
from bot.core.inbox import Outcome as InboxOutcome
from bot.core.monitor import OpenCase, ReopenCase
from bot.db import inbox_store
from bot.db.group_store import DirectGroups, GroupCreatedMeanwhile, Groups
from bot.db.preloaded_groups import PreloadedGroups
from bot.errortracking.case_sync import with_issue_sync
from bot.pipeline import announce, decide, dedupe, parse, persist, render
from bot.pipeline.reports import (
    Delivery,
    DeliveryReport,
    EventReport,
    Listener,
    NotificationListener,
    Settled,
    duplicate,
    failed,
    processed,
    rejected,
)
from bot.services.case_batch import CaseBatch
from bot.services.cases import CaseListener, CaseService
from bot.services.cycles import CycleCases
from bot.services.downtimes import DowntimeCache
from bot.sources import SourceError, SourcesConfig


class Pipeline:
    """The stages, with the listeners they tell (given once, never changed)."""

    def __init__(
        self,
        *,
        sources: SourcesConfig | None = None,
        listeners: Sequence[Listener] = (),
        case_listeners: Sequence[CaseListener] = (),
        notification_listeners: Sequence[NotificationListener] = (),
        downtimes: DowntimeCache | None = None,
    ) -> None:
        self._sources = sources or SourcesConfig()
        # The downtimes the decide stage matches notifications against.
        self.downtimes = downtimes or DowntimeCache()
        # Told after the caller commits (metrics, the Slack sender's wake-up).
        self._listeners = tuple(listeners)
        # Called by CaseService inside the transaction (issue sync, the Slack outbox, …).
        self._case_listeners = with_issue_sync(case_listeners)
        # Called after each applied notification, inside the transaction (the Slack outbox).
        self._notification_listeners = tuple(notification_listeners)

    @property
    def sources(self) -> SourcesConfig:
        return self._sources

    @property
    def case_listeners(self) -> tuple[CaseListener, ...]:
        return self._case_listeners

    @property
    def notification_listeners(self) -> tuple[NotificationListener, ...]:
        return self._notification_listeners

    # -- stage 1: parse, before the transaction ------------------------------------------

    def parse(
        self, delivery: Delivery, *, now: datetime, verify: bool = True
    ) -> list[MonitorEvent]:
        """Events of the delivery (bot/pipeline/parse.py)."""
        return parse.parse(delivery, config=self._sources, now=now, verify=verify)

    # -- one delivery, inside the caller's transaction ------------------------------------

    def accept(
        self, conn: Connection, delivery: Delivery, events: Sequence[MonitorEvent], *, now: datetime
    ) -> DeliveryReport:
        """Store the delivery and process its events (stages 2 to 5)."""
        key = dedupe.delivery_key(events)
        inbox_id = dedupe.store_first(conn, delivery, key)
        if inbox_id is None:  # the sender's id is already in the inbox: a redelivery
            assert key is not None, "only a row with a key can conflict"
            original = dedupe.original_of(conn, delivery, key)
            own = dedupe.store_unkeyed(conn, delivery, InboxOutcome.DUPLICATE)
            _alive(conn, DirectGroups(), events, now=now)
            return self._settle(conn, duplicate(own, delivery.source, original), now=now)
        return self.process(conn, inbox_id, delivery.source, events, now=now)

    def process(
        self,
        conn: Connection,
        inbox_id: int,
        source: Source,
        events: Sequence[MonitorEvent],
        *,
        now: datetime,
    ) -> DeliveryReport:
        """Stages 2 to 5 for a stored delivery; records the outcome on its inbox row."""
        run = _Run(self, conn, now)
        reports = tuple(self._event(run, inbox_id, e) for e in events)
        persist.record_muted(conn, run.muted)
        return self._settle(conn, processed(inbox_id, source, reports, events), now=now)

    def store_rejected(
        self, conn: Connection, delivery: Delivery, error: SourceError, *, now: datetime
    ) -> DeliveryReport:
        inbox_id = dedupe.store_unkeyed(conn, delivery, InboxOutcome.REJECTED)
        return self._settle(conn, rejected(inbox_id, delivery.source, error), now=now)

    def store_failed(
        self, conn: Connection, delivery: Delivery, error: BaseException, *, now: datetime
    ) -> DeliveryReport:
        """Keep a delivery whose processing failed, with the error, for `inbox retry`."""
        inbox_id = dedupe.store_unkeyed(conn, delivery, InboxOutcome.FAILED)
        return self._settle(conn, failed(inbox_id, delivery.source, error), now=now)

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

    # -- many deliveries, in one transaction (group commit) --------------------------------

    def accept_batch(
        self, conn: Connection, items: dedupe.Items, *, now: datetime
    ) -> list[DeliveryReport]:
        """Many deliveries in one transaction, in as few statements as possible: ids for
        the inbox rows in one, the groups read in one query and written in two, the inbox
        rows (with their outcomes) in one. Any failure raises: the caller then redoes the
        deliveries one per transaction with `accept` and `store_rejected`."""
        keys = dedupe.keys_of(items)
        ids = inbox_store.allocate_ids(conn, len(items))
        duplicate_of = dedupe.duplicates(conn, items, keys, ids)
        applied = [
            events
            for i, (_, events) in enumerate(items)
            if i not in duplicate_of and not isinstance(events, SourceError)
        ]
        run = _Run(self, conn, now, batch=[e for ev in applied for e in ev])
        settled: list[Settled] = []
        rows: list[dict[str, Any]] = []
        for i, (delivery, events) in enumerate(items):
            key = keys[i]
            if isinstance(events, SourceError):
                one = rejected(ids[i], delivery.source, events)
            elif i in duplicate_of:
                one = duplicate(ids[i], delivery.source, duplicate_of[i])
                key = None  # the key stays with the first delivery that carried it
                _alive(conn, run.groups, events, now=now)
            else:
                reports = tuple(self._event(run, ids[i], e) for e in events)
                one = processed(ids[i], delivery.source, reports, events)
            settled.append(one)
            rows.append(_settled_row(delivery, key, one, now))
        run.flush()
        run.groups.flush(conn)
        persist.record_rows(conn, rows)
        persist.record_muted(conn, run.muted)
        return [one.report for one in settled]

    # -- stage 6, after the caller committed ------------------------------------------------

    def announce(self, reports: Iterable[DeliveryReport]) -> None:
        """Tell the delivery listeners (metrics, Slack's wake-up)."""
        announce.announce(self._listeners, reports)

    # -- one event: stages 2 to 6 ------------------------------------------------------------

    def _event(self, run: _Run, inbox_id: int, event: MonitorEvent) -> EventReport:
        conn = run.conn
        for _attempt in range(3):
            locked = run.groups.load(conn, event)  # the group's row, held to the end
            group = locked.state
            seen = classify(group, event)  # dedupe: already applied, or late
            if seen is not Outcome.APPLIED:
                run.groups.seen(conn, locked, now=run.now)  # a repeat: the group is alive
                return EventReport(event.monitor_id, event.group, event.state.value, seen.value)
            transition = transition_for(group, event)
            rendered, note = render.render(event, transition, advance(group, event))
            decision = decide.decision(
                run.projects,
                group,
                event,
                transition,
                rendered,
                run.active_downtimes(),
                now=run.now,
            )
            assert decision.group is not None
            opens = any(isinstance(a, OpenCase | ReopenCase) for a in decision.actions)
            try:
                group_id = run.groups.save(
                    conn,
                    locked,
                    event,
                    decision.group,
                    need_id=opens
                    or decision.muted is not None
                    or bool(self._notification_listeners),
                    now=run.now,
                )
            except GroupCreatedMeanwhile:
                continue  # a concurrent transaction stored this new group first
            break
        else:
            raise RuntimeError(f"group {event.group} kept changing under this transaction")
        after = decision.group
        if decision.starts_cycle and after.cases:
            after = replace(after, cases=())
        run.groups.applied(conn, event, group_id, after, touched=bool(decision.actions))
        keys = {c.case_id: c.key for c in group.cases} if group is not None else {}
        report = persist.carry_out(run.cycles, group_id, inbox_id, event, decision, note, keys=keys)
        if decision.muted is not None:
            assert group_id is not None
            run.muted.append(
                persist.muted_row(group_id, inbox_id, event, decision, rendered, now=run.now)
            )
            return report  # muted: the listeners (Slack) hear nothing
        if self._notification_listeners:
            assert group_id is not None
            notify = partial(
                announce.notify,
                conn,
                self._notification_listeners,
                group_id=group_id,
                cycle=decision.group.cycle,
                event=event,
                transition=transition,
                rendered=rendered,
                now=run.now,
            )
            run.later(notify)  # after the cases it may name are written
        return report

    def _settle(self, conn: Connection, settled: Settled, *, now: datetime) -> DeliveryReport:
        persist.record(conn, settled, now=now)
        return settled.report


def _alive(
    conn: Connection, groups: Groups, events: Sequence[MonitorEvent], *, now: datetime
) -> None:
    """A delivery sent again (Alertmanager repeats a firing group every repeat_interval)
    changes nothing, but its groups are alive: not stale (bot/pipeline/stale_groups.py)."""
    for event in events:
        groups.seen(conn, groups.load(conn, event), now=now)


class _Run:
    """What the events of one transaction share: its groups, its projects, its cases.

    A batch (`batch`: its events) reads its groups at once and holds its new cases
    until `flush` (bot/services/case_batch.py); a single delivery writes as it goes."""

    __slots__ = (
        "_downtimes",
        "cases",
        "conn",
        "cycles",
        "groups",
        "muted",
        "now",
        "pipeline",
        "projects",
    )

    def __init__(
        self,
        pipeline: Pipeline,
        conn: Connection,
        now: datetime,
        *,
        batch: Sequence[MonitorEvent] | None = None,
    ):
        self.pipeline = pipeline
        self.conn = conn
        self.now = now
        self.projects = decide.Projects(conn)
        self.groups: Groups
        self.cases: CaseBatch | None = None
        if batch is None:
            self.groups = DirectGroups()
        else:
            preloaded = PreloadedGroups(conn, batch, before_reading=self.flush)
            self.groups = preloaded
            self.cases = CaseBatch(
                before_write=partial(preloaded.write_pending, conn), events=len(batch)
            )
        service = CaseService(
            conn,
            now=now,
            listeners=pipeline.case_listeners,
            batch=self.cases,
            projects=self.projects.by_id,
        )
        self.cycles = CycleCases(service)
        # The muted notifications' rows, written once at the end.
        self.muted: list[dict[str, Any]] = []
        self._downtimes: tuple[ActiveDowntime, ...] | None = None

    def later(self, call: Callable[[], None]) -> None:
        """Run `call` now, or once the cases held before it are written."""
        if self.cases is None:
            call()
        else:
            self.cases.later(call)

    def flush(self) -> None:
        """Write the held groups and cases, then tell the cases' listeners."""
        if self.cases is not None:
            self.cases.flush(self.conn)

    def active_downtimes(self) -> tuple[ActiveDowntime, ...]:
        """The pipeline's downtimes, asked once per transaction."""
        if self._downtimes is None:
            self._downtimes = self.pipeline.downtimes.active(self.conn)
        return self._downtimes


def _settled_row(
    delivery: Delivery, key: str | None, settled: Settled, now: datetime
) -> dict[str, Any]:
    report = settled.report
    return {
        **dedupe.inbox_row(delivery, key, report.outcome),
        "id": report.inbox_id,
        "reason": report.reason,
        "result": settled.result,
        "processed_at": now,
    }
