"""Stage 2, dedupe: a delivery the sender sent before, and a notification seen before.

A delivery whose events all carry the sender's id is keyed by them: the inbox's
unique key (source, key) makes a second delivery with that key a duplicate of
the first, whether it arrives later or in the same batch. Per event,
`bot.core.alert_cycles.classify` tells a notification its group has already applied,
or one older than what it has seen; the pipeline asks it once the group is locked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from bot.core.events import MonitorEvent
from bot.core.inbox import Outcome as InboxOutcome
from bot.db import inbox_store
from bot.pipeline.reports import Delivery
from bot.sources import SourceError

# A batch of deliveries: each with its events, or why its body was refused.
Items = Sequence[tuple[Delivery, Sequence[MonitorEvent] | SourceError]]


def delivery_key(events: Sequence[MonitorEvent]) -> str | None:
    """The sender's id for the delivery: its events' ids, when every event has one."""
    ids = [e.delivery_id for e in events]
    if not ids or any(i is None for i in ids):
        return None
    key = ",".join(sorted({i for i in ids if i is not None}))
    return key if len(key) <= 300 else None


def inbox_row(delivery: Delivery, key: str | None, outcome: InboxOutcome) -> dict[str, Any]:
    """The inbox row's columns for the delivery as received."""
    return inbox_store.row_values(
        source=delivery.source.value,
        received_at=delivery.received_at,
        headers=delivery.headers,
        body=delivery.body,
        key=key,
        outcome=outcome,
    )


def store_first(conn: Connection, delivery: Delivery, key: str | None) -> int | None:
    """Store the delivery as pending; its row id, or None when its key is stored already."""
    return inbox_store.insert_row(conn, inbox_row(delivery, key, InboxOutcome.PENDING))


def original_of(conn: Connection, delivery: Delivery, key: str) -> int:
    """The inbox row that first carried `key`."""
    return inbox_store.find_keyed(conn, delivery.source.value, key)


def store_unkeyed(conn: Connection, delivery: Delivery, outcome: InboxOutcome) -> int:
    """Store the delivery without its key (a duplicate, a rejection, a failure)."""
    inbox_id = inbox_store.insert_row(conn, inbox_row(delivery, None, outcome))
    assert inbox_id is not None, "a row without a key never conflicts"
    return inbox_id


def keys_of(items: Items) -> list[str | None]:
    return [None if isinstance(ev, SourceError) else delivery_key(ev) for _, ev in items]


def duplicates(
    conn: Connection, items: Items, keys: Sequence[str | None], ids: Sequence[int]
) -> dict[int, int]:
    """Which items of a batch repeat a stored delivery or an earlier item: index -> the
    inbox id of the delivery they repeat (`ids` are the batch's own inbox ids)."""
    wanted = [(d.source.value, k) for (d, _), k in zip(items, keys, strict=True) if k]
    stored = inbox_store.stored_keys(conn, wanted)
    first: dict[tuple[str, str], int] = {}
    found: dict[int, int] = {}
    for i, ((delivery, _), key) in enumerate(zip(items, keys, strict=True)):
        if key is None:
            continue
        pair = (delivery.source.value, key)
        if pair in stored:
            found[i] = stored[pair]
        elif pair in first:
            found[i] = ids[first[pair]]
        else:
            first[pair] = i
    return found
