"""Mute one monitor group until a given time: the downtime Slack's Mute menu schedules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.core.downtime_schedule import OneTimeSpec
from bot.core.downtimes import Downtime
from bot.core.group_mutes import group_monitor, group_scope
from bot.services.downtimes import DowntimeService
from bot.services.errors import InvalidDowntime
from bot.services.groups import GroupReader, GroupSummary


@dataclass(frozen=True, slots=True)
class GroupMute:
    downtime: Downtime
    group: GroupSummary


def mute_group(
    conn: Connection,
    *,
    group_id: int,
    until: datetime,
    now: datetime,
    by: str,
    user_id: uuid.UUID | None = None,
) -> GroupMute:
    """Schedule a downtime for the group's monitor and group from now until `until`.

    Call `downtimes_changed()` after the transaction commits."""
    group = GroupReader(conn).find(group_id)
    if group is None:
        raise InvalidDowntime("group", f"no monitor group {group_id}")
    if until <= now:
        raise InvalidDowntime("end", "the end of a mute must be in the future")
    downtime = DowntimeService(conn, now=now).create(
        scope=group_scope(group.group),
        monitor=group_monitor(group.source, group.monitor_id),
        schedule=OneTimeSpec(now, until),
        message=f"Muted from Slack by {by}",
        created_by=user_id,
    )
    return GroupMute(downtime, group)
