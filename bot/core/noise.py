"""The noise report: which monitors open cases nobody needs, from the cases' outcomes.

Per monitor, over a period: the cases its notifications opened; the share of them
that its recovery closed with no person touching them (noise: the case came and went
by itself); how often its groups re-fired into a case after a recovery (flapping,
the reopen window); the median time from a case's opening to the recovery that
closed it, and to the first person's action; and the notifications downtimes muted.
Monitors are sorted noisiest first: by cases nobody touched plus re-fires, then by
cases opened, then by muted notifications.

Pure: the facts are read elsewhere; the period's end is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from statistics import median

from bot.core.records import record

RECOVERY = "recovery"  # bot.core.cases.ClosedBy.RECOVERY
MonitorKey = tuple[str, str]  # (source, monitor id)


@record
class CaseFacts:
    """One case a monitor opened, as the report needs it."""

    source: str
    monitor_id: str
    monitor_name: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    first_worked_at: datetime | None
    reopen_count: int


@record
class MonitorNoise:
    source: str
    monitor_id: str
    monitor_name: str
    cases_opened: int
    # Closed by the monitor's recovery, and no person ever touched them.
    closed_untouched: int
    reopens: int
    median_to_recovery: timedelta | None
    median_to_first_action: timedelta | None
    muted: int

    @property
    def untouched_share(self) -> float:
        """The share of the cases opened that closed by recovery untouched (0 to 1)."""
        return self.closed_untouched / self.cases_opened if self.cases_opened else 0.0

    @property
    def noise(self) -> int:
        return self.closed_untouched + self.reopens

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "monitor_id": self.monitor_id,
            "monitor_name": self.monitor_name,
            "cases_opened": self.cases_opened,
            "closed_untouched": self.closed_untouched,
            "untouched_share": round(self.untouched_share, 4),
            "reopens": self.reopens,
            "median_secs_to_recovery": _seconds(self.median_to_recovery),
            "median_secs_to_first_action": _seconds(self.median_to_first_action),
            "muted": self.muted,
        }


def noise_report(
    cases: Iterable[CaseFacts], muted: Mapping[MonitorKey, tuple[str, int]]
) -> list[MonitorNoise]:
    """Per monitor, noisiest first. `muted` maps a monitor to its name and the count of
    its notifications that downtimes muted."""
    by_monitor: dict[MonitorKey, list[CaseFacts]] = {}
    for case in cases:
        by_monitor.setdefault((case.source, case.monitor_id), []).append(case)
    report = [_monitor(key, found, muted.get(key, ("", 0))) for key, found in by_monitor.items()]
    for key, (name, count) in muted.items():
        if key not in by_monitor:
            report.append(MonitorNoise(key[0], key[1], name, 0, 0, 0, None, None, count))
    return sorted(
        report,
        key=lambda m: (-m.noise, -m.cases_opened, -m.muted, m.source, m.monitor_id),
    )


def _monitor(key: MonitorKey, cases: list[CaseFacts], muted: tuple[str, int]) -> MonitorNoise:
    recovered = [c for c in cases if c.closed_by == RECOVERY and c.closed_at is not None]
    untouched = [c for c in recovered if c.first_worked_at is None]
    to_recovery = [c.closed_at - c.created_at for c in recovered if c.closed_at is not None]
    to_action = [c.first_worked_at - c.created_at for c in cases if c.first_worked_at is not None]
    name = max(cases, key=lambda c: c.created_at).monitor_name or muted[0]
    return MonitorNoise(
        source=key[0],
        monitor_id=key[1],
        monitor_name=name,
        cases_opened=len(cases),
        closed_untouched=len(untouched),
        reopens=sum(c.reopen_count for c in cases),
        median_to_recovery=_median(to_recovery),
        median_to_first_action=_median(to_action),
        muted=muted[1],
    )


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=median(v.total_seconds() for v in values))


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def parse_since(text: str, *, now: datetime) -> datetime | None:
    """`30d`, `12h`, `2w` before `now`, or None if the text is not such a span."""
    text = text.strip()
    units = {"h": "hours", "d": "days", "w": "weeks"}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        return None
    return now - timedelta(**{units[text[-1]]: int(text[:-1])})


def describe_span(value: timedelta | None) -> str:
    """A median as people read it: `30 min`, `2 h 05 min`, `3 days`; `-` for none."""
    if value is None:
        return "-"
    minutes = round(value.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days"
