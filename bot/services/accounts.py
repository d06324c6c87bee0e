"""Console accounts: adding people, their roles and passwords, and signing in.

`AccountService(conn, now=...)` works inside its caller's transaction. An
account hangs off a `users` row matched by e-mail, so a Slack user or an
earlier actor who gets an account stays the same person on every timeline.
Passwords are hashed with Argon2id (argon2-cffi's defaults). Refusals are
`AccountError`s with a sentence for people; the CLI and pages translate them.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection

from bot.core.accounts import (
    Role,
    SignInLimits,
    normalize_email,
    parse_role,
    password_problem,
    sign_in_blocked_until,
)
from bot.db import accounts as store
from bot.services.users import UserService

log = logging.getLogger(__name__)

__all__ = [
    "Account",
    "AccountError",
    "AccountExists",
    "AccountNotFound",
    "AccountService",
    "Blocked",
    "InvalidAccount",
    "Role",
    "SignedInAccount",
    "WrongCredentials",
]


class AccountError(Exception):
    """A refused account change; `str(error)` is a sentence for people."""


class AccountNotFound(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(f"no account {email}")


class AccountExists(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(f"an account for {email} already exists")


class InvalidAccount(AccountError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Account:
    user_id: uuid.UUID
    name: str
    email: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None
    # When they last signed in (their newest session began); None: never. Only `list` says.
    last_signed_in_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True, slots=True)
class SignedInAccount:
    account: Account


@dataclass(frozen=True, slots=True)
class WrongCredentials:
    """The e-mail or the password is wrong (which one is never said)."""


@dataclass(frozen=True, slots=True)
class Blocked:
    """Too many recent failures for this account or address."""

    until: datetime


SignInOutcome = SignedInAccount | WrongCredentials | Blocked


# Argon2id with argon2-cffi's default parameters (RFC 9106's low-memory profile).
# Tests swap in a cheaper one; stored hashes carry their parameters, so a hash made
# with other parameters still verifies (and is rehashed at the next sign-in).
HASHER = PasswordHasher()


def _hasher() -> PasswordHasher:
    return HASHER


@lru_cache(maxsize=4)
def _decoy_for(hasher: PasswordHasher) -> str:
    return hasher.hash("casebot decoy password, never anyone's")


def _decoy_hash() -> str:
    # Verified against when no account has the address, so that a wrong e-mail
    # takes as long to refuse as a wrong password.
    return _decoy_for(_hasher())


def _account(row: store.AccountRow) -> Account:
    return Account(row.user_id, row.name, row.email, row.role, row.created_at, row.disabled_at)


def _email(text: str) -> str:
    email = normalize_email(text)
    if email is None:
        raise InvalidAccount("email", f"{text.strip()!r} is not an e-mail address")
    return email


def _role(text: str | Role) -> Role:
    role = text if isinstance(text, Role) else parse_role(text)
    if role is None:
        raise InvalidAccount("role", f"unknown role {text!r}; use one of {', '.join(Role)}")
    return role


def _password(password: str) -> str:
    problem = password_problem(password)
    if problem is not None:
        raise InvalidAccount("password", problem)
    return _hasher().hash(password)


class AccountService:
    def __init__(self, conn: Connection, *, now: datetime) -> None:
        self.conn = conn
        self.now = now

    def add(self, *, email: str, name: str, role: str | Role, password: str) -> Account:
        """An account for `email`; the existing user with that address, if any, gets it."""
        address = _email(email)
        clean_role = _role(role)
        if not name.strip():
            raise InvalidAccount("name", "a name is needed")
        if store.find_account_by_email(self.conn, address) is not None:
            raise AccountExists(address)
        hashed = _password(password)
        user = UserService(self.conn, now=self.now).ensure(name=name.strip()[:200], email=address)
        store.insert_account(
            self.conn, user_id=user.id, role=clean_role, password_hash=hashed, now=self.now
        )
        return self.get(address)

    def get(self, email: str) -> Account:
        row = store.find_account_by_email(self.conn, _email(email))
        if row is None:
            raise AccountNotFound(email.strip().lower())
        return _account(row)

    def find(self, user_id: uuid.UUID) -> Account | None:
        row = store.find_account(self.conn, user_id)
        return _account(row) if row is not None else None

    def list(self) -> list[Account]:
        """Every account, by e-mail, with when each last signed in."""
        last = store.last_sign_ins(self.conn)
        return [
            replace(_account(row), last_signed_in_at=last.get(row.user_id))
            for row in store.list_accounts(self.conn)
        ]

    def set_role(self, email: str, role: str | Role) -> Account:
        account = self.get(email)
        store.update_account(self.conn, account.user_id, role=_role(role).value)
        return self.get(email)

    def disable(self, email: str) -> Account:
        """Disable the account and end its sessions."""
        account = self.get(email)
        if account.disabled_at is None:
            store.update_account(self.conn, account.user_id, disabled_at=self.now)
        store.revoke_user_sessions(self.conn, account.user_id, now=self.now)
        return self.get(email)

    def enable(self, email: str) -> Account:
        account = self.get(email)
        store.update_account(self.conn, account.user_id, disabled_at=None)
        return self.get(email)

    def reset_password(self, email: str, password: str) -> Account:
        """A new password; every session of the account ends."""
        account = self.get(email)
        store.update_account(
            self.conn,
            account.user_id,
            password_hash=_password(password),
            password_changed_at=self.now,
        )
        store.revoke_user_sessions(self.conn, account.user_id, now=self.now)
        return account

    def sign_in(
        self, email: str, password: str, *, address: str, limits: SignInLimits
    ) -> SignInOutcome:
        """Check a password, within the rate limits; every failure is recorded and logged.

        A blocked attempt is refused before the password is looked at, whether or
        not the account exists, so the answer tells nothing about the address.
        """
        typed = (normalize_email(email) or email.strip().lower())[:320]
        failures = store.recent_failures(
            self.conn, email=typed, address=address, since=self.now - limits.window
        )
        until = sign_in_blocked_until(limits, failures, now=self.now)
        if until is not None:
            log.warning("sign-in blocked for %r from %s until %s", typed, address, until)
            return Blocked(until)
        row = store.find_account_by_email(self.conn, typed)
        matches = _verify(row.password_hash if row is not None else None, password)
        if row is None or not matches or row.disabled_at is not None:
            store.record_failure(self.conn, email=typed, address=address, now=self.now)
            log.warning("failed sign-in for %r from %s", typed, address)
            return WrongCredentials()
        if _hasher().check_needs_rehash(row.password_hash):
            store.update_account(self.conn, row.user_id, password_hash=_hasher().hash(password))
        store.forget_failures(self.conn, email=typed)
        store.prune_failures(self.conn, before=self.now - limits.window)
        return SignedInAccount(_account(row))


def _verify(hashed: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash, the decoy is checked and it never does."""
    try:
        return _hasher().verify(hashed or _decoy_hash(), password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False
