"""Invitations: an admin adds a person without choosing their password, and gives
them a one-time sign-in link; opening it, they choose a password and are signed in.

The link carries a token signed with the console secret (itsdangerous) that names
the account and a fingerprint of its password hash, and is valid for
`LINK_DAYS`. The account is made with a random password nobody knows; choosing
one changes the hash, so the link works once. A new link for the same person (one
who never signed in) makes any earlier link useless the same way.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection

from bot.core.accounts import Role
from bot.db import accounts as store
from bot.services.accounts import Account, AccountError, AccountService, InvalidAccount

__all__ = ["LINK_DAYS", "Invite", "InviteKeys", "InviteService", "LinkNotValid"]

LINK_DAYS = 7


class LinkNotValid(AccountError):
    """The link was used, replaced, has expired, or was never casebot's."""

    def __init__(self) -> None:
        super().__init__("this sign-in link has expired or was used already")


@dataclass(frozen=True, slots=True)
class Invite:
    account: Account
    token: str


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class InviteKeys:
    """Signing of invitation tokens with the console secret."""

    secret: str

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="casebot.invite")

    def token(self, user_id: uuid.UUID, password_hash: str) -> str:
        return self._serializer().dumps({"u": str(user_id), "p": _fingerprint(password_hash)})

    def read(self, token: str, *, now: datetime) -> tuple[uuid.UUID, str] | None:
        """The account and password fingerprint a token names, if casebot signed it less
        than LINK_DAYS before `now`."""
        if not token or len(token) > 500:
            return None
        serializer = self._serializer()
        try:
            data, signed_at = serializer.loads(token, return_timestamp=True)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(data, dict) or now - signed_at > timedelta(days=LINK_DAYS):
            return None
        try:
            return uuid.UUID(str(data.get("u"))), str(data.get("p"))
        except ValueError:
            return None


class InviteService:
    def __init__(self, conn: Connection, *, now: datetime, keys: InviteKeys) -> None:
        self.conn = conn
        self.now = now
        self.keys = keys
        self.accounts = AccountService(conn, now=now)

    def invite(self, *, email: str, name: str, role: str | Role) -> Invite:
        """A new account with a password nobody knows, and its one-time link."""
        account = self.accounts.add(
            email=email, name=name, role=role, password=secrets.token_urlsafe(32)
        )
        return Invite(account, self._token(account.user_id))

    def new_link(self, email: str) -> Invite:
        """Another link for someone who never signed in (the earlier one stops working)."""
        account = self.accounts.get(email)
        if store.last_sign_ins(self.conn).get(account.user_id) is not None:
            raise InvalidAccount("email", f"{account.email} has signed in already")
        if not account.active:
            raise InvalidAccount("email", f"{account.email} is disabled")
        # A fresh random password: the previous link's fingerprint no longer matches.
        self.accounts.reset_password(account.email, secrets.token_urlsafe(32))
        return Invite(account, self._token(account.user_id))

    def opened(self, token: str) -> Account:
        """The account a valid, unused link is for; else `LinkNotValid`."""
        read = self.keys.read(token, now=self.now)
        if read is None:
            raise LinkNotValid()
        user_id, fingerprint = read
        row = store.find_account(self.conn, user_id)
        if row is None or row.disabled_at is not None:
            raise LinkNotValid()
        if _fingerprint(row.password_hash) != fingerprint:
            raise LinkNotValid()
        found = self.accounts.find(user_id)
        if found is None:
            raise LinkNotValid()
        return found

    def accept(self, token: str, password: str) -> Account:
        """Set the password the person chose; the link is used up."""
        account = self.opened(token)
        self.accounts.reset_password(account.email, password)
        return account

    def _token(self, user_id: uuid.UUID) -> str:
        row = store.find_account(self.conn, user_id)
        assert row is not None, "the account was just written"
        return self.keys.token(user_id, row.password_hash)
