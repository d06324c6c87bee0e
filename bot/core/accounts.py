"""Console accounts: roles, what each may do, and the sign-in limits.

Pure: the clock and the counts of recent failures are passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    """What a signed-in person may do. Each role includes the ones below it."""

    ADMIN = "admin"  # also manages users and API keys
    RESPONDER = "responder"  # changes cases
    VIEWER = "viewer"  # sees everything, changes nothing

    @property
    def can_change_cases(self) -> bool:
        return self in (Role.ADMIN, Role.RESPONDER)

    @property
    def can_manage(self) -> bool:
        """Users, roles and API keys."""
        return self is Role.ADMIN


def parse_role(text: str) -> Role | None:
    try:
        return Role(text.strip().lower())
    except ValueError:
        return None


EMAIL_MAX = 320
PASSWORD_MIN = 12
PASSWORD_MAX = 1024
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def normalize_email(text: str) -> str | None:
    """The address as casebot stores and compares it (trimmed, lower case), or None
    when it is not an address."""
    email = text.strip().lower()
    if len(email) > EMAIL_MAX or _EMAIL.fullmatch(email) is None:
        return None
    return email


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < PASSWORD_MIN:
        return f"use at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"use at most {PASSWORD_MAX} characters"
    return None


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """How many failed sign-ins a window allows: per account (the e-mail typed,
    whether or not it exists) and per client address. docs/decisions.md says why."""

    window: timedelta = timedelta(minutes=15)
    per_account: int = 5
    per_address: int = 20


@dataclass(frozen=True, slots=True)
class RecentFailures:
    """Failed sign-ins inside the window, with the oldest of each (None: no failures)."""

    account: int
    address: int
    oldest_account: datetime | None
    oldest_address: datetime | None


def sign_in_blocked_until(
    limits: SignInLimits, failures: RecentFailures, *, now: datetime
) -> datetime | None:
    """When sign-in may be tried again, or None when it may be tried now.

    The window slides: the block ends when the oldest failure inside it leaves it.
    """
    ends: list[datetime] = []
    if failures.account >= limits.per_account and failures.oldest_account is not None:
        ends.append(failures.oldest_account + limits.window)
    if failures.address >= limits.per_address and failures.oldest_address is not None:
        ends.append(failures.oldest_address + limits.window)
    later = [end for end in ends if end > now]
    return max(later) if later else None


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """How long a console session lasts: `idle` after the last request, and never past
    `lifetime` after sign-in. docs/decisions.md says why these."""

    idle: timedelta = timedelta(hours=12)
    lifetime: timedelta = timedelta(days=7)
    # A request refreshes the session's last-seen time at most this often.
    touch_every: timedelta = timedelta(minutes=1)


def session_expired(
    limits: SessionLimits, *, created_at: datetime, last_seen_at: datetime, now: datetime
) -> bool:
    return now >= last_seen_at + limits.idle or now >= created_at + limits.lifetime
