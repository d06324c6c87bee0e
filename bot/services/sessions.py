"""Console sessions: started at sign-in, found from the cookie, ended or revoked.

A session's id is a random 256-bit secret; the database keeps only its SHA-256,
and the cookie holds the id signed with the console secret (itsdangerous), so a
cookie casebot did not make is turned away before any lookup. The CSRF token of
a session is an HMAC of its id: forms carry it, nothing stores it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, Signer
from sqlalchemy import Connection, Engine

from bot.core.accounts import Role, SessionLimits, session_expired
from bot.db import accounts as store
from bot.services.server_secrets import ensure_secret

SECRET_SETTING = "console_secret"


def console_secret(engine: Engine) -> str:
    """The secret that signs session cookies and CSRF tokens, made on first use."""
    return ensure_secret(engine, SECRET_SETTING, lambda: secrets.token_hex(32))


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who a request comes from: a signed-in person and their session."""

    user_id: uuid.UUID
    name: str
    email: str
    role: Role
    session_hash: str
    # The session's last-seen time is old enough to be refreshed (`SessionService.touch`).
    needs_touch: bool = False


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """Signing of session cookies and CSRF tokens with the console secret."""

    secret: str

    def cookie_value(self, session_id: str) -> str:
        return Signer(self.secret, salt="casebot.session").sign(session_id).decode()

    def session_id(self, cookie: str | None) -> str | None:
        """The session id a cookie holds, or None when casebot did not sign it."""
        if not cookie or len(cookie) > 200:
            return None
        try:
            return Signer(self.secret, salt="casebot.session").unsign(cookie).decode()
        except BadSignature:
            return None

    def csrf_token(self, session_hash: str) -> str:
        message = f"csrf\n{session_hash}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()

    def csrf_ok(self, session_hash: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session_hash), token or "")


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionService:
    def __init__(self, conn: Connection, *, now: datetime, limits: SessionLimits) -> None:
        self.conn = conn
        self.now = now
        self.limits = limits

    def start(self, user_id: uuid.UUID, *, address: str) -> str:
        """A new session for the user; its secret id (for the cookie)."""
        session_id = secrets.token_urlsafe(32)
        store.insert_session(
            self.conn, id_hash=session_hash(session_id), user_id=user_id, address=address,
            now=self.now,
        )  # fmt: skip
        return session_id

    def visitor(self, session_id: str) -> Visitor | None:
        """Who holds this session, or None when it is unknown, ended, expired or its
        account is disabled. Only reads: a page view needs no write transaction."""
        hashed = session_hash(session_id)
        row = store.find_session(self.conn, hashed)
        if row is None or row.revoked_at is not None or row.account.disabled_at is not None:
            return None
        if session_expired(
            self.limits, created_at=row.created_at, last_seen_at=row.last_seen_at, now=self.now
        ):
            return None
        account = row.account
        stale = self.now - row.last_seen_at >= self.limits.touch_every
        return Visitor(account.user_id, account.name, account.email, account.role, hashed, stale)

    def touch(self, session_hash_: str) -> None:
        """Record that the session was used now (it expires `idle` after this)."""
        store.touch_session(self.conn, session_hash_, now=self.now)

    def end(self, session_hash_: str) -> None:
        store.revoke_session(self.conn, session_hash_, now=self.now)

    def end_all(self, user_id: uuid.UUID) -> int:
        """End every session of one user (an admin's revocation); how many were live."""
        return store.revoke_user_sessions(self.conn, user_id, now=self.now)
