"""Muting one monitor group from its alert message (Slack's Mute menu): which downtime.

The downtime names the group's monitor (by its numeric id, as Datadog's do; a monitor
whose id is not a number by the tags `source:<source>` and `monitor_id:<id>`, which
casebot gives every monitor) and the group itself as its scope (its tags joined with
AND; `*` for a simple alert). It runs from now until the end the person chose.

Pure: the clock and the person's time zone are passed in.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.core.downtimes import MonitorIdentifier
from bot.core.monitor import tags_of_group

# The morning a "until tomorrow" mute ends, in the person's time zone.
MORNING = time(9, 0)
# A value the query language reads as it is, without quotes.
_PLAIN = re.compile(r"[A-Za-z0-9_./-]+")


class MuteChoice(StrEnum):
    ONE_HOUR = "1h"
    FOUR_HOURS = "4h"
    TOMORROW = "tomorrow"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    MuteChoice.ONE_HOUR: "1 hour",
    MuteChoice.FOUR_HOURS: "4 hours",
    MuteChoice.TOMORROW: "Until tomorrow 09:00",
    MuteChoice.CUSTOM: "Custom…",
}


def mute_end(choice: MuteChoice, *, now: datetime, zone: tzinfo) -> datetime | None:
    """When a mute chosen at `now` ends; None for `custom` (the person picks the end)."""
    if choice is MuteChoice.ONE_HOUR:
        return now + timedelta(hours=1)
    if choice is MuteChoice.FOUR_HOURS:
        return now + timedelta(hours=4)
    if choice is MuteChoice.TOMORROW:
        local = now.astimezone(zone)
        morning = datetime.combine(local.date() + timedelta(days=1), MORNING, tzinfo=zone)
        return morning.astimezone(now.tzinfo)
    return None


def group_scope(group: str) -> str:
    """The query that matches exactly this group's tags: `env:prod AND host:web-1`."""
    terms = [_term(tag) for tag in tags_of_group(group)]
    return " AND ".join(terms) if terms else "*"


def group_monitor(source: str, monitor_id: str) -> MonitorIdentifier:
    if monitor_id.isdigit() and len(monitor_id) < 19:
        return MonitorIdentifier(monitor_id=int(monitor_id))
    return MonitorIdentifier(monitor_tags=(f"source:{source}", f"monitor_id:{monitor_id}"))


def _term(tag: str) -> str:
    key, sep, value = tag.partition(":")
    if not sep:
        return _quoted(tag)
    return f"{key}:{value if _PLAIN.fullmatch(value) else _quoted(value)}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
