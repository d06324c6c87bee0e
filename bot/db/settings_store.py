"""Server-wide settings kept in `app_settings`: a key, a text value, when it changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from bot.db.app_settings import app_settings

_s = app_settings.c


def get(conn: Connection, key: str) -> str | None:
    value: str | None = conn.execute(select(_s.value).where(_s.key == key)).scalar_one_or_none()
    return value


def keep_first(conn: Connection, key: str, value: str, *, now: datetime) -> str:
    """The stored value; `value` is stored when there is none yet. Two transactions doing
    this at once agree: the insert ignores a conflict and both read back the first value."""
    insert_ = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    values = {"key": key, "value": value, "updated_at": now}
    conn.execute(insert_(app_settings).values(values).on_conflict_do_nothing())
    return str(conn.execute(select(_s.value).where(_s.key == key)).scalar_one())


def put(conn: Connection, key: str, value: str, *, now: datetime) -> None:
    """Store `value` under `key`, replacing what is there."""
    values = {"value": value, "updated_at": now}
    if conn.execute(update(app_settings).where(_s.key == key), values).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(app_settings), {"key": key, **values})
    except IntegrityError:
        # A concurrent first put inserted it: replace its value with ours.
        conn.execute(update(app_settings).where(_s.key == key), values)
