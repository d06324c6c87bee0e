"""Stale groups: a group in Alert or Warn that no notification reached for longer than
its source repeats one (Alertmanager's `repeat_interval`, 4 h by default, three times).

Its resolve was lost, or its sender stopped. The group is marked stale on its open
cases; where a case's project ends stale cycles (`close_stale_groups`), the cycle ends
as if the recovery had been lost: those cases close ("closed: no notification for
12 h") and the group is OK again, so its next alert starts a new cycle.

Pure: the scheduler passes the silence it measured.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.alert_cycles import GroupState
from bot.core.lifecycle import describe_duration
from bot.core.monitor import CLOSED
from bot.core.records import record
from handles.types import State

STALE_STATES = (State.ALERT, State.WARN)


@record
class Silence:
    """What a stale group's cycle gets: notes, closes, and whether the cycle ends."""

    marks: tuple[str, ...]  # case ids that get the stale note
    closes: tuple[str, ...]  # case ids that close
    ends_cycle: bool
    silent_for: timedelta

    @property
    def note(self) -> str:
        return f"stale: no notification for {describe_duration(self.silent_for.total_seconds())}"

    @property
    def close_message(self) -> str:
        return f"closed: no notification for {describe_duration(self.silent_for.total_seconds())}"


def on_silence(group: GroupState, *, stale_after: timedelta) -> Silence | None:
    """What a group silent for `stale_after` or more gets; None if it is not stale (OK,
    No Data, or no longer in a cycle)."""
    if group.state not in STALE_STATES or not group.in_cycle:
        return None
    open_cases = [c for c in group.cases if c.status != CLOSED]
    closes = tuple(c.case_id for c in open_cases if c.close_stale)
    marks = tuple(c.case_id for c in open_cases if not c.close_stale)
    return Silence(marks, closes, ends_cycle=bool(closes), silent_for=stale_after)
