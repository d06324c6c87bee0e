"""`insert_rows`: the driver's executemany with SQLAlchemy's own value conversions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import StatementError

from bot.db.bulk import insert_rows
from bot.db.inbox import inbox

AT = datetime(2026, 11, 23, 10, 30, 0, 5, tzinfo=UTC)


def _row(n: int, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "source": "generic",
        "received_at": AT,
        "headers": {"x-n": str(n), "list": [1, 2]},
        "body": b"{}",
        "delivery_key": f"k{n}",
        "outcome": "processed",
        "reason": None,
        "processed_at": AT + timedelta(seconds=n),
        "result": {"n": n},
    }
    row.update(overrides)
    return row


def test_rows_read_back_as_sqlalchemy_stored_them(engine: Engine) -> None:
    paris = timezone(timedelta(hours=1))
    with engine.begin() as conn:
        insert_rows(conn, inbox, [_row(1), _row(2, received_at=AT.astimezone(paris))])
        conn.execute(insert(inbox), [_row(3)])
        got = conn.execute(
            select(
                inbox.c.delivery_key, inbox.c.received_at, inbox.c.headers, inbox.c.result
            ).order_by(inbox.c.processed_at)
        ).all()
    assert [tuple(r) for r in got] == [
        ("k1", AT, {"x-n": "1", "list": [1, 2]}, {"n": 1}),
        ("k2", AT, {"x-n": "2", "list": [1, 2]}, {"n": 2}),
        ("k3", AT, {"x-n": "3", "list": [1, 2]}, {"n": 3}),
    ]
    with engine.connect() as conn:
        # Rows from both paths compare alike (the same stored text on SQLite).
        count = len(conn.execute(select(inbox.c.id).where(inbox.c.received_at == AT)).all())
    assert count == 3


def test_naive_times_are_refused(engine: Engine) -> None:
    with (
        pytest.raises((StatementError, ValueError), match="naive datetime"),
        engine.begin() as conn,
    ):
        insert_rows(conn, inbox, [_row(1), _row(2, received_at=datetime(2026, 11, 23))])


def test_no_rows_is_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_rows(conn, inbox, [])
        assert conn.execute(select(inbox.c.id)).all() == []


def test_many_rows_read_back_in_order_with_their_values_as_given(engine: Engine) -> None:
    rows = [_row(n, reason=f"disk {n}% full %s %(x)s ?") for n in range(2_500)]
    with engine.begin() as conn:
        insert_rows(conn, inbox, rows)
    with engine.connect() as conn:
        got = conn.execute(
            select(inbox.c.delivery_key, inbox.c.reason, inbox.c.result).order_by(inbox.c.id)
        ).all()
    assert [tuple(r) for r in got] == [
        (f"k{n}", f"disk {n}% full %s %(x)s ?", {"n": n}) for n in range(len(rows))
    ]
