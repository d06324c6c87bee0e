"""API key pairs as values: scopes, a stored pair, a refusal.

A pair is an API key (32 hex characters, like Datadog's) and an application
key (40 hex characters), created together, shown once, and sent by clients as
`DD-API-KEY` and `DD-APPLICATION-KEY`. Both are random 128/160-bit secrets, so
a plain SHA-256 is enough to store them (`digest`; no password-style stretching
needed).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Scope(StrEnum):
    CASES_READ = "cases_read"
    CASES_WRITE = "cases_write"
    ERROR_TRACKING_READ = "error_tracking_read"
    ERROR_TRACKING_WRITE = "error_tracking_write"
    MONITORS_READ = "monitors_read"
    MONITORS_DOWNTIME = "monitors_downtime"


class UnknownScope(ValueError):
    def __init__(self, scope: str) -> None:
        allowed = ", ".join(s.value for s in Scope)
        super().__init__(f"unknown scope {scope!r}; scopes are {allowed}")
        self.scope = scope


class KeyNotFound(LookupError):
    def __init__(self, ref: str, *, ambiguous: bool = False) -> None:
        reason = "matches more than one key" if ambiguous else "matches no key"
        super().__init__(f"{ref!r} {reason}")
        self.ref = ref


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: uuid.UUID
    name: str
    api_key_hint: str
    scopes: frozenset[Scope]
    user_id: uuid.UUID | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewKeyPair:
    """A freshly created pair; the only time the secrets exist outside the client."""

    key: ApiKey
    api_key: str
    application_key: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a pair of keys does not authenticate, in words fit for the client."""

    message: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    """Scopes from user input (`cases_read`, `cases_write`); `UnknownScope` otherwise."""
    scopes: set[Scope] = set()
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        try:
            scopes.add(Scope(value))
        except ValueError:
            raise UnknownScope(value) from None
    return frozenset(scopes)
