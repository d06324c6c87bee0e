"""The inbox's rows for the pipeline: SQLAlchemy Core on the hot path.

Every accepted delivery is a row, raw, inserted before its events are applied and
given its outcome in the same transaction. Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.inbox import (
    InboxDetail,
    InboxEntry,
    Outcome,
    StoredDelivery,
    case_keys,
    event_groups,
)
from bot.db import bulk
from bot.db.bulk import insert_rows
from bot.db.inbox import inbox

_i = inbox.c

# Built once: building and cache-keying a statement costs more than running it.
_INSERT_INBOX = insert(inbox).returning(_i.id)
_INSERT_KEYED = {
    "postgresql": postgresql.insert(inbox).on_conflict_do_nothing().returning(_i.id),
    "sqlite": sqlite.insert(inbox).on_conflict_do_nothing().returning(_i.id),
}
_FIND_KEYED = select(_i.id).where(
    _i.source == bindparam("source"), _i.delivery_key == bindparam("key")
)
_FINISH = (
    update(inbox)
    .where(_i.id == bindparam("inbox_id"))
    .values(
        outcome=bindparam("new_outcome"),
        reason=bindparam("new_reason"),
        result=bindparam("new_result"),
        processed_at=bindparam("new_processed_at"),
    )
)


# Both columns, so that the unique index (source, delivery_key) is used.
_STORED_KEYS = select(_i.source, _i.delivery_key, _i.id).where(
    _i.source.in_(bindparam("sources", expanding=True)),
    _i.delivery_key.in_(bindparam("keys", expanding=True)),
)


# PostgreSQL: one exact lookup per key (see preloaded_groups._PRELOAD_PG for why not IN lists).
_STORED_KEYS_PG = text(
    """
    SELECT i.source, i.delivery_key, i.id
    FROM unnest(CAST(:sources AS text[]), CAST(:keys AS text[])) AS want(source, key)
    CROSS JOIN LATERAL (
        SELECT source, delivery_key, id FROM inbox
        WHERE inbox.source = want.source AND inbox.delivery_key = want.key
    ) AS i
    """
).columns(_i.source, _i.delivery_key, _i.id)


def stored_keys(conn: Connection, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Which (source, delivery key) pairs are already in the inbox, and their row ids."""
    if not wanted:
        return {}
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            _STORED_KEYS_PG,
            {"sources": [source for source, _ in wanted], "keys": [key for _, key in wanted]},
        )
    else:
        rows = conn.execute(
            _STORED_KEYS,
            {
                "sources": sorted({source for source, _ in wanted}),
                "keys": sorted({key for _, key in wanted}),
            },
        )
    found = {(row.source, row.delivery_key): int(row.id) for row in rows}
    return {pair: found[pair] for pair in wanted if pair in found}


def row_values(
    *,
    source: str,
    received_at: datetime,
    headers: Mapping[str, str],
    body: bytes,
    key: str | None,
    outcome: Outcome,
) -> dict[str, Any]:
    return {
        "source": source,
        "received_at": received_at,
        "headers": dict(headers),
        "body": body,
        "delivery_key": key,
        "outcome": outcome.value,
    }


def insert_row(conn: Connection, values: Mapping[str, Any]) -> int | None:
    """The new row's id; None when its delivery key is already stored for its source."""
    key = values["delivery_key"]
    if key is None:
        return int(conn.execute(_INSERT_INBOX, values).scalar_one())
    found = conn.execute(_INSERT_KEYED[conn.dialect.name], values).scalar_one_or_none()
    return None if found is None else int(found)


def allocate_ids(conn: Connection, count: int) -> list[int]:
    """`count` new inbox ids, ascending. A batch's rows are inserted once, with their
    outcomes, after their events are applied (whose timeline entries name them),
    instead of inserted as pending and then updated, which costs every row twice."""
    return bulk.allocate_ids(conn, inbox, count)


def insert_finished(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows with their ids (from `allocate_ids`) and outcomes, in one statement."""
    insert_rows(conn, inbox, rows)


def find_keyed(conn: Connection, source: str, key: str) -> int:
    return int(conn.execute(_FIND_KEYED, {"source": source, "key": key}).scalar_one())


def finish(
    conn: Connection,
    inbox_id: int,
    outcome: Outcome,
    reason: str | None,
    result: Mapping[str, Any] | None,
    now: datetime,
) -> None:
    conn.execute(_FINISH, finish_values(inbox_id, outcome, reason, result, now))


def finish_values(
    inbox_id: int,
    outcome: Outcome,
    reason: str | None,
    result: Mapping[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "inbox_id": inbox_id,
        "new_outcome": outcome.value,
        "new_reason": reason,
        "new_result": result,
        "new_processed_at": now,
    }


# -- reading the inbox back (`casebot inbox`) --------------------------------------------------


def list_entries(
    conn: Connection,
    *,
    outcomes: Sequence[str] = (),
    sources: Sequence[str] = (),
    before: int | None = None,
    limit: int,
) -> list[InboxEntry]:
    """Stored deliveries, newest first, optionally only those with these outcomes, from
    these sources, and older than inbox id `before`."""
    query = select(
        _i.id, _i.source, _i.received_at, _i.outcome, _i.reason, _i.processed_at, _i.result
    )
    if outcomes:
        query = query.where(_i.outcome.in_(list(outcomes)))
    if sources:
        query = query.where(_i.source.in_(list(sources)))
    if before is not None:
        query = query.where(_i.id < before)
    rows = conn.execute(query.order_by(_i.id.desc()).limit(limit))
    return [_entry(r) for r in rows]


def _entry(r: Any) -> InboxEntry:
    opened, updated, closed = case_keys(r.result)
    return InboxEntry(
        r.id, r.source, r.received_at, r.outcome, r.reason, r.processed_at,
        opened, updated, closed, event_groups(r.result),
    )  # fmt: skip


def detail(conn: Connection, inbox_id: int) -> InboxDetail | None:
    """One delivery with its raw request and result."""
    row = conn.execute(select(inbox).where(_i.id == inbox_id)).first()
    if row is None:
        return None
    return InboxDetail(_entry(row), bytes(row.body), dict(row.headers), row.result)


_STORED = select(_i.id, _i.source, _i.body, _i.headers, _i.received_at, _i.outcome)


def stored(conn: Connection, inbox_id: int) -> StoredDelivery | None:
    row = conn.execute(_STORED.where(_i.id == inbox_id)).first()
    return None if row is None else _stored(row)


def stored_with_outcomes(conn: Connection, outcomes: Sequence[str]) -> list[StoredDelivery]:
    """Stored deliveries with these outcomes, oldest first."""
    rows = conn.execute(_STORED.where(_i.outcome.in_(list(outcomes))).order_by(_i.id))
    return [_stored(row) for row in rows]


def _stored(row: Any) -> StoredDelivery:
    return StoredDelivery(
        row.id, row.source, bytes(row.body), dict(row.headers), row.received_at, row.outcome
    )
