"""Case ids: UUIDs that sort by creation time."""

from __future__ import annotations

import uuid
from datetime import datetime


def new_case_id(now: datetime) -> uuid.UUID:
    """A case id that sorts by creation time (UUID version 7: milliseconds since the
    epoch, then random bits): a storm's new cases go to the end of the indexes on case
    ids instead of to pages all over them."""
    millis = int(now.timestamp() * 1000) & ((1 << 48) - 1)
    random = uuid.uuid4().int  # 122 random bits; 74 of them are used
    rand_a = (random >> 64) & 0xFFF
    rand_b = random & ((1 << 62) - 1)
    return uuid.UUID(int=(millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)
