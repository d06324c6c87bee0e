"""The one `MetaData` every casebot table belongs to, and the column types they share.

Constraint names follow a fixed convention so that Alembic revisions written
on one database name things the same way on the other (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer, MetaData, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
AutoId = BigInteger().with_variant(Integer(), "sqlite")

# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
Document = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so values are
    stored as naive UTC text and come back with `tzinfo=UTC` attached. Naive
    datetimes are refused on the way in: a time without a zone is a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return _utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: casebot stores aware UTC times only")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


# SQLite: the text SQLAlchemy's own DATETIME stores ("2026-03-15 12:05:57.105542", so
# rows written either way compare and sort alike), made in one C call. The generic path
# (this decorator, then SQLAlchemy's formatter) cost ~3 µs a value, a few per alert.
_TEXT_LENGTH = len("2026-03-15 12:05:57.105542")


# Formatting still costs 1-2 µs, and a batch binds the same few times again and again
# (a new group's three cycle times are one value; `now` is on every row): remember them.
_TEXTS: dict[datetime, str] = {}
_TEXTS_KEPT = 4096


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = _TEXTS.get(value)
    if text is None:
        text = _utc(value).isoformat(" ", "microseconds")[:_TEXT_LENGTH]
        if len(_TEXTS) >= _TEXTS_KEPT:
            _TEXTS.clear()
        _TEXTS[value] = text
    return text


def _sqlite_datetime(value: str | None) -> datetime | None:
    if value is None:
        return None
    # fromisoformat also reads SQLite's own CURRENT_TIMESTAMP ("2026-03-15 12:05:57").
    return datetime.fromisoformat(value).replace(tzinfo=UTC)
