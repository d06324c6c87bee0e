"""Muting one group from its alert message: its scope, its monitor, and the mute's end."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.downtime_schedule import OneTime
from bot.core.downtimes import Downtime, GroupFacts, MonitorIdentifier, compiled
from bot.core.group_mutes import MuteChoice, group_monitor, group_scope, mute_end

NOW = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "group, scope",
    [
        pytest.param("env:prod,host:web-1", "env:prod AND host:web-1", id="tags"),
        pytest.param("*", "*", id="simple-alert"),
        pytest.param("mountpoint:/,severity:critical", "mountpoint:/ AND severity:critical",
                     id="slash-needs-no-quotes"),
        pytest.param('url:http://a b,x', 'url:"http://a b" AND "x"', id="quoted"),
    ],
)  # fmt: skip
def test_the_scope_covers_the_group_and_no_other(group: str, scope: str) -> None:
    assert group_scope(group) == scope
    downtime = Downtime(
        uuid.uuid4(), scope, MonitorIdentifier(monitor_tags=("*",)), OneTime(NOW), NOW, NOW
    )
    active = compiled(downtime)
    assert active.covers(GroupFacts("generic", "m", group))
    if group != "*":
        assert not active.covers(GroupFacts("generic", "m", "env:staging,host:web-2"))


def test_a_numeric_monitor_is_named_by_id_any_other_by_tags() -> None:
    assert group_monitor("datadog", "48213377") == MonitorIdentifier(monitor_id=48213377)
    assert group_monitor("alertmanager", "DiskFull") == MonitorIdentifier(
        monitor_tags=("source:alertmanager", "monitor_id:DiskFull")
    )


@pytest.mark.parametrize(
    "choice, zone, end",
    [
        pytest.param(MuteChoice.ONE_HOUR, "UTC", datetime(2026, 11, 20, 23, 30, tzinfo=UTC),
                     id="an-hour"),
        pytest.param(MuteChoice.FOUR_HOURS, "UTC", datetime(2026, 11, 21, 2, 30, tzinfo=UTC),
                     id="four-hours"),
        # 22:30 UTC is already Saturday 07:30 in Tokyo: tomorrow is Sunday, 09:00 there.
        pytest.param(MuteChoice.TOMORROW, "Asia/Tokyo", datetime(2026, 11, 22, 0, 0, tzinfo=UTC),
                     id="tomorrow-in-tokyo"),
        pytest.param(MuteChoice.TOMORROW, "America/New_York",
                     datetime(2026, 11, 21, 14, 0, tzinfo=UTC), id="tomorrow-in-new-york"),
        pytest.param(MuteChoice.CUSTOM, "UTC", None, id="custom-is-picked"),
    ],
)  # fmt: skip
def test_when_a_mute_ends(choice: MuteChoice, zone: str, end: datetime | None) -> None:
    assert mute_end(choice, now=NOW, zone=ZoneInfo(zone)) == end
