"""Case notices across servers: PostgreSQL's NOTIFY and LISTEN on one channel.

`announce(conn, payload)` queues a notice in the caller's transaction: PostgreSQL
delivers it when that transaction commits, and never when it rolls back.
`listening(engine)` opens a connection of its own (outside the pool: it lives as
long as the server) that LISTENs on the channel, and yields the payloads as they
arrive, every server's (this one's included). It raises `NoticesLost` when that
connection fails or closes; notices sent meanwhile are lost for good, so whoever
listens again must read what it shows anew.

A payload is short text (PostgreSQL's limit is 8,000 bytes); what it says belongs to
the caller.

The notices of case changes are sent by the database itself: `TRIGGER_DDL` notifies
each timeline entry a statement appends (the case's id and key, and the entry's id).
Revision 0011 creates it in a migrated database (with its own copy of the text, as a
revision never changes); `bot.db.cases` creates it with the table in a database made
from the table modules.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, text

if TYPE_CHECKING:
    import psycopg

CHANNEL = "casebot_case_changes"
# How the listening connection shows in pg_stat_activity.
APPLICATION_NAME = "casebot case notices"
# TCP keepalives, so that a listener whose server vanished without closing the
# connection (a network partition, a failover) hears of it within about 30 seconds
# instead of waiting for notices forever.
_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 15,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
CONNECT_TIMEOUT_SECONDS = 10

TRIGGER_DDL = (
    f"""
CREATE FUNCTION casebot_case_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- In the entries' order: the subquery sorts, the outer query notifies.
    PERFORM pg_notify('{CHANNEL}', n.payload)
       FROM (SELECT json_build_object('case', e.case_id, 'key', c.key, 'entry', e.id)::text
                    AS payload
               FROM new_entries AS e JOIN cases AS c ON c.id = e.case_id
              ORDER BY e.id) AS n;
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER case_timeline_notices
    AFTER INSERT ON case_timeline
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION casebot_case_notices()
""",
)

_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
# Notified in the payloads' order (the subquery's), which listeners hear them in. The
# payloads travel as one JSON array: a text[] parameter costs an escape per element.
_NOTIFY_MANY = text(
    "SELECT pg_notify(:channel, p.payload) FROM (SELECT u.payload FROM"
    " json_array_elements_text(CAST(:payloads AS json)) WITH ORDINALITY AS u(payload, n)"
    " ORDER BY u.n) AS p"
)


class NoticesLost(Exception):
    """The listening connection failed or closed (or could not be opened)."""


def supported(engine: Engine) -> bool:
    """True where notices reach other processes: PostgreSQL."""
    return engine.dialect.name == "postgresql"


def announce(conn: Connection, *payloads: str) -> None:
    """Send `payloads` to every listener, in order, when the transaction of `conn`
    commits: one statement for them all."""
    if len(payloads) == 1:
        conn.execute(_NOTIFY, {"channel": CHANNEL, "payload": payloads[0]})
    elif payloads:
        conn.execute(_NOTIFY_MANY, {"channel": CHANNEL, "payloads": json.dumps(payloads)})


@asynccontextmanager
async def listening(engine: Engine) -> AsyncIterator[AsyncIterator[str]]:
    """A LISTEN on the channel, on a new connection to `engine`'s database: the
    payloads, in commit order, from the moment this yields."""
    # Imported here: every command imports this module, and only a server on
    # PostgreSQL listens (psycopg takes a fifth of a second to import).
    import psycopg
    from psycopg import sql

    try:
        conn = await psycopg.AsyncConnection.connect(autocommit=True, **_connect_args(engine))
    except (psycopg.Error, OSError) as failed:
        raise NoticesLost(f"cannot connect to listen: {failed}") from failed
    try:
        try:
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
        except (psycopg.Error, OSError) as failed:
            raise NoticesLost(f"LISTEN failed: {failed}") from failed
        yield _payloads(conn)
    finally:
        await conn.close()


async def _payloads(conn: psycopg.AsyncConnection[Any]) -> AsyncIterator[str]:
    import psycopg

    try:
        async for notice in conn.notifies():
            yield notice.payload
    except (psycopg.Error, OSError) as failed:
        raise NoticesLost(str(failed)) from failed
    raise NoticesLost("the listening connection closed")


def _connect_args(engine: Engine) -> dict[str, Any]:
    """The engine's connection parameters (host, database, user, password, TLS...),
    as psycopg takes them, with the listener's name and keepalives."""
    _args, params = engine.dialect.create_connect_args(engine.url)
    params = {k: v for k, v in params.items() if k != "context"}  # SQLAlchemy's adapters
    params.setdefault("application_name", APPLICATION_NAME)
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    for key, value in _KEEPALIVES.items():
        params.setdefault(key, value)
    return params
