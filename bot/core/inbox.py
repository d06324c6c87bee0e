"""The inbox as values: what became of a delivery, and a stored delivery as read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    FAILED = "failed"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """A stored delivery as a listing shows it."""

    id: int
    source: str
    received_at: datetime
    outcome: str
    reason: str | None
    processed_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredDelivery:
    """A stored delivery's raw request, to run it through the pipeline again."""

    id: int
    source: str
    body: bytes
    headers: dict[str, str]
    received_at: datetime
    outcome: str
