"""The end of a downtime: the groups it muted that still alert are notified then.

Run by the scheduler (bot/pipeline/tick.py) in its transaction. For each
downtime not yet settled, every window end since the last run (`expired`)
and its cancel (`canceled`, when a window held it) is an end; for an end among
the downtime's `notify_end_types`, each group the downtime muted that is still
in the muted cycle, in one of `notify_end_states`, and not muted by another
downtime, is notified as if its state had just been reported: its cases open
(bot.core.monitor.resume) and the Slack listeners post, from the last muted
notification's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

import handles
from bot.core.downtime_schedule import ends_between, window_at
from bot.core.downtimes import ActiveDowntime, Downtime, EndType, compiled, muting
from bot.core.monitor import case_mentions, resume
from bot.db import downtimes as store
from bot.db.group_store import load_by_id
from bot.pipeline import announce, decide, persist
from bot.pipeline.reports import EventReport
from bot.services.cases import CaseService
from bot.services.cycles import CycleCases
from handles.types import Rendered

if TYPE_CHECKING:
    from bot.pipeline.pipeline import Pipeline


def handle_ends(conn: Connection, pipeline: Pipeline, *, now: datetime) -> list[EventReport]:
    """Notify what the downtimes that ended since the last run muted; what it opened."""
    found = store.unsettled(conn)
    others = tuple(compiled(d) for d, _ in found if d.canceled_at is None)
    reports: list[EventReport] = []
    for downtime, done_through in found:
        since = done_through or downtime.created_at
        for at, how in ends_of(downtime, since=since, now=now):
            if downtime.notifies_end(how):
                still = tuple(o for o in others if o.downtime.id != downtime.id)
                reports.extend(_notify(conn, pipeline, downtime, still, at=at, now=now))
        settled = now if downtime.is_finished(now) else None
        store.mark_ends_done(conn, downtime.id, through=now, settled_at=settled)
    return reports


def ends_of(
    downtime: Downtime, *, since: datetime, now: datetime
) -> list[tuple[datetime, EndType]]:
    """The ends in `(since, now]`: windows that ran out, and the cancel if a window held it."""
    canceled = downtime.canceled_at
    until = min(now, canceled) if canceled is not None else now
    ends = [(at, EndType.EXPIRED) for at in ends_between(downtime.schedule, since, until)]
    held = canceled is not None and window_at(downtime.schedule, canceled) is not None
    if canceled is not None and held and since < canceled <= now:
        ends.append((canceled, EndType.CANCELED))
    return ends


def _notify(
    conn: Connection,
    pipeline: Pipeline,
    downtime: Downtime,
    others: Sequence[ActiveDowntime],
    *,
    at: datetime,
    now: datetime,
) -> list[EventReport]:
    projects = decide.Projects(conn)
    cycles = CycleCases(CaseService(conn, now=now, listeners=pipeline.case_listeners))
    reports: list[EventReport] = []
    for muted in store.last_muted_per_group(conn, downtime.id):
        stored = load_by_id(conn, muted.group_id)
        group = stored.state if stored is not None else None
        if stored is None or group is None or group.cycle != muted.cycle or not group.in_cycle:
            continue  # the muted cycle is over
        if not downtime.notifies_state(group.state):
            continue
        event = persist.facts_event(muted.event, muted.text, state=group.state)
        if muting(others, group, event, at=at) is not None:
            continue  # another downtime still mutes the group
        rendered = Rendered(muted.text, handles.extract_mentions(muted.text))
        decision = resume(group, event, rendered, projects.named(case_mentions(rendered.mentions)))
        keys = {c.case_id: c.key for c in group.cases}
        reports.append(
            persist.carry_out(
                cycles, stored.id, muted.inbox_id or 0, event, decision, None, keys=keys
            )
        )
        if pipeline.notification_listeners:
            announce.notify(
                conn,
                pipeline.notification_listeners,
                group_id=stored.id,
                cycle=group.cycle,
                event=event,
                transition=decision.transition,
                rendered=rendered,
                now=now,
            )
    return reports
