"""Who does the scheduled work: one server at a time, however many replicas share a database.

`claim(conn)` is asked at the start of the scheduler's transaction. On
PostgreSQL it takes a transaction-level advisory lock without waiting: the
replica that gets it does the work, the others skip this round. SQLite has
one writer at a time (transactions begin IMMEDIATE), so there it always
succeeds, after the other writer is done.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# An arbitrary number that names casebot's scheduler among advisory locks.
SCHEDULER_LOCK = 0x0CA5EB07

_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)")


def claim(conn: Connection) -> bool:
    """True if this transaction does the scheduled work (held until it ends)."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.execute(_TRY_LOCK, {"key": SCHEDULER_LOCK}).scalar_one())
