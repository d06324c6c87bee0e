"""The inbox as values: what became of a delivery, and a stored delivery as read back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    FAILED = "failed"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """A stored delivery as a listing shows it, with the keys of the cases it opened,
    updated (a timeline entry, nothing more) and closed."""

    id: int
    source: str
    received_at: datetime
    outcome: str
    reason: str | None
    processed_at: datetime | None
    opened: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()
    # (monitor id, group) of each event the delivery carried, as its result names them.
    groups: tuple[tuple[str, str], ...] = ()


def event_groups(result: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """(monitor id, group) of each event of a delivery's stored result, each once."""
    seen: dict[tuple[str, str], None] = {}
    for event in (result or {}).get("events", ()):
        seen.setdefault((str(event.get("monitor_id", "")), str(event.get("group", ""))), None)
    return tuple(seen)


def case_keys(result: Mapping[str, Any] | None) -> tuple[tuple[str, ...], ...]:
    """(opened, updated, closed) case keys of a delivery's stored result, each in order of
    first appearance; a case the delivery opened or closed is not also `updated`."""
    opened: dict[str, None] = {}
    appended: dict[str, None] = {}
    closed: dict[str, None] = {}
    for event in (result or {}).get("events", ()):
        opened.update(dict.fromkeys(event.get("opened", ())))
        appended.update(dict.fromkeys(event.get("appended", ())))
        closed.update(dict.fromkeys(event.get("closed", ())))
    updated = [key for key in appended if key not in opened and key not in closed]
    return tuple(opened), tuple(updated), tuple(closed)


@dataclass(frozen=True, slots=True)
class InboxDetail:
    """One stored delivery in full: what the inbox page shows on demand."""

    entry: InboxEntry
    body: bytes
    headers: dict[str, str]
    result: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class StoredDelivery:
    """A stored delivery's raw request, to run it through the pipeline again."""

    id: int
    source: str
    body: bytes
    headers: dict[str, str]
    received_at: datetime
    outcome: str
