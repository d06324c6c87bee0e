"""Console accounts, their sessions and failed sign-ins: tables and every statement.

An account belongs to a `users` row (matched by e-mail), so the person a Slack
click or an API key made known is the same person who later signs in.
Sessions are stored by the SHA-256 of their secret id; the cookie holds the id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    String,
    Table,
    Uuid,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from bot.core.accounts import RecentFailures, Role
from bot.db.metadata import AutoId, UTCDateTime, metadata
from bot.db.users import users

accounts = Table(
    "accounts",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(20), nullable=False),
    # Argon2id, in the encoded form argon2-cffi writes (parameters and salt included).
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    # SHA-256 of the session's secret id: a copy of the table signs no one in.
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("address", String(64), nullable=False, server_default=""),
    Index(None, "user_id"),
)

# Failed sign-ins, kept for the rate limit's window and for the record.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    # As typed (normalised), whether or not an account has it.
    Column("email", String(320), nullable=False),
    Column("address", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "email", "created_at"),
    Index(None, "address", "created_at"),
)


@dataclass(frozen=True, slots=True)
class AccountRow:
    user_id: uuid.UUID
    name: str
    email: str
    role: Role
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    id_hash: str
    user_id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None
    account: AccountRow


_a = accounts.c
_ACCOUNT_COLUMNS = (
    _a.user_id,
    users.c.name,
    users.c.email,
    _a.role,
    _a.password_hash,
    _a.created_at,
    _a.disabled_at,
)
_ACCOUNTS = select(*_ACCOUNT_COLUMNS).join(users, users.c.id == _a.user_id)


def _account(row: Any) -> AccountRow:
    return AccountRow(
        user_id=row.user_id,
        name=row.name,
        email=row.email,
        role=Role(row.role),
        password_hash=row.password_hash,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


_BY_EMAIL = _ACCOUNTS.where(users.c.email == bindparam("b_email"))
_BY_USER = _ACCOUNTS.where(_a.user_id == bindparam("b_user"))


def find_account_by_email(conn: Connection, email: str) -> AccountRow | None:
    row = conn.execute(_BY_EMAIL, {"b_email": email}).first()
    return _account(row) if row is not None else None


def find_account(conn: Connection, user_id: uuid.UUID) -> AccountRow | None:
    row = conn.execute(_BY_USER, {"b_user": user_id}).first()
    return _account(row) if row is not None else None


def list_accounts(conn: Connection) -> list[AccountRow]:
    rows = conn.execute(_ACCOUNTS.order_by(users.c.email))
    return [_account(row) for row in rows]


def insert_account(
    conn: Connection, *, user_id: uuid.UUID, role: Role, password_hash: str, now: datetime
) -> None:
    conn.execute(
        insert(accounts),
        {
            "user_id": user_id,
            "role": role.value,
            "password_hash": password_hash,
            "created_at": now,
            "password_changed_at": now,
            "disabled_at": None,
        },
    )


def update_account(conn: Connection, user_id: uuid.UUID, **values: Any) -> None:
    """Set columns of one account (`role`, `password_hash`, `password_changed_at`,
    `disabled_at`)."""
    conn.execute(update(accounts).where(_a.user_id == user_id).values(**values))


# --- Sessions ---------------------------------------------------------------------

_s = web_sessions.c
_SESSION = (
    select(_s.id_hash, _s.user_id, _s.created_at, _s.last_seen_at, _s.revoked_at, *_ACCOUNT_COLUMNS)
    .join(accounts, _a.user_id == _s.user_id)
    .join(users, users.c.id == _s.user_id)
    .where(_s.id_hash == bindparam("b_hash"))
)


def insert_session(
    conn: Connection, *, id_hash: str, user_id: uuid.UUID, address: str, now: datetime
) -> None:
    conn.execute(
        insert(web_sessions),
        {
            "id_hash": id_hash,
            "user_id": user_id,
            "created_at": now,
            "last_seen_at": now,
            "revoked_at": None,
            "address": address[:64],
        },
    )


def find_session(conn: Connection, id_hash: str) -> SessionRow | None:
    row = conn.execute(_SESSION, {"b_hash": id_hash}).first()
    if row is None:
        return None
    return SessionRow(
        id_hash=row.id_hash,
        user_id=row.user_id,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        revoked_at=row.revoked_at,
        account=_account(row),
    )


def touch_session(conn: Connection, id_hash: str, *, now: datetime) -> None:
    conn.execute(update(web_sessions).where(_s.id_hash == id_hash).values(last_seen_at=now))


def revoke_session(conn: Connection, id_hash: str, *, now: datetime) -> None:
    conn.execute(
        update(web_sessions)
        .where(_s.id_hash == id_hash, _s.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_user_sessions(conn: Connection, user_id: uuid.UUID, *, now: datetime) -> int:
    """Revoke every live session of one user; how many there were."""
    result = conn.execute(
        update(web_sessions)
        .where(_s.user_id == user_id, _s.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0


def last_sign_ins(conn: Connection) -> dict[uuid.UUID, datetime]:
    """When each person last signed in (their newest session's start); absent: never."""
    rows = conn.execute(select(_s.user_id, func.max(_s.created_at)).group_by(_s.user_id))
    return {row[0]: row[1] for row in rows}


def count_live_sessions(conn: Connection, user_id: uuid.UUID, *, since: datetime) -> int:
    """Sessions of one user not revoked and seen since `since`."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(web_sessions)
            .where(_s.user_id == user_id, _s.revoked_at.is_(None), _s.last_seen_at >= since)
        ).scalar_one()
    )


# --- Failed sign-ins ----------------------------------------------------------------

_f = sign_in_failures.c


def record_failure(conn: Connection, *, email: str, address: str, now: datetime) -> None:
    conn.execute(
        insert(sign_in_failures),
        {"email": email[:320], "address": address[:64], "created_at": now},
    )


def recent_failures(
    conn: Connection, *, email: str, address: str, since: datetime
) -> RecentFailures:
    by_account = conn.execute(
        select(func.count(), func.min(_f.created_at)).where(
            _f.email == email, _f.created_at >= since
        )
    ).one()
    by_address = conn.execute(
        select(func.count(), func.min(_f.created_at)).where(
            _f.address == address, _f.created_at >= since
        )
    ).one()
    return RecentFailures(
        account=int(by_account[0]),
        address=int(by_address[0]),
        oldest_account=by_account[1],
        oldest_address=by_address[1],
    )


def forget_failures(conn: Connection, *, email: str) -> None:
    """Drop an account's failures: it has just signed in."""
    conn.execute(delete(sign_in_failures).where(_f.email == email))


def prune_failures(conn: Connection, *, before: datetime) -> None:
    """Drop failures older than `before` (outside every window)."""
    conn.execute(delete(sign_in_failures).where(_f.created_at < before))
