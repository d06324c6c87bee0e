"""Times as templates write them: UTC stamps, epoch milliseconds, local time."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=256)
def load_zone(name: str) -> tzinfo | None:
    """The IANA zone `name`, or None when it does not exist or is malformed."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken to be UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@lru_cache(maxsize=1024)
def utc_text(moment: datetime) -> str:
    """`2026-11-21 03:05:10 UTC`."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def epoch_ms(moment: datetime) -> int:
    return int(as_utc(moment).timestamp() * 1000)


def local_text(moment: datetime, zone: tzinfo) -> str:
    """`yyyy-MM-dd HH:mm:ss±HH:mm`, as Datadog's local_time writes it."""
    local = as_utc(moment).astimezone(zone)
    offset = local.strftime("%z") or "+0000"
    return f"{local:%Y-%m-%d %H:%M:%S}{offset[:3]}:{offset[3:]}"
