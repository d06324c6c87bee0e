"""API key pairs: create, list, revoke, and check a pair a client sends.

Functions take a connection inside the caller's transaction. The values they
deal in (`ApiKey`, `Scope`, `Refusal`, …) are bot/core/keys.py's, handed on
here so that the edges need only this module.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import datetime

from sqlalchemy import Connection

from bot.core.cases import User
from bot.core.keys import (
    ApiKey,
    KeyNotFound,
    NewKeyPair,
    Refusal,
    Scope,
    UnknownScope,
    digest,
    parse_scopes,
)
from bot.db import api_keys as store
from bot.db.users import insert_user

__all__ = [
    "ApiKey",
    "KeyNotFound",
    "NewKeyPair",
    "Refusal",
    "Scope",
    "UnknownScope",
    "authenticate",
    "create_key",
    "digest",
    "list_keys",
    "parse_scopes",
    "resolve",
    "revoke_key",
]


def create_key(
    conn: Connection, *, name: str, scopes: frozenset[Scope], now: datetime
) -> NewKeyPair:
    """Store a new pair (and the user it acts as) and return it with its secrets."""
    if not name.strip():
        raise ValueError("a key needs a name")
    if not scopes:
        raise ValueError("a key needs at least one scope")
    api_key = secrets.token_hex(16)
    application_key = secrets.token_hex(20)
    user = User(uuid.uuid4(), f"{name} (API key)", None, None, now)
    insert_user(conn, user)
    key = ApiKey(
        id=uuid.uuid4(),
        name=name,
        api_key_hint=api_key[-4:],
        scopes=scopes,
        user_id=user.id,
        created_at=now,
        revoked_at=None,
    )
    store.insert_key(conn, key, api_key_hash=digest(api_key), app_key_hash=digest(application_key))
    return NewKeyPair(key=key, api_key=api_key, application_key=application_key)


def list_keys(conn: Connection) -> list[ApiKey]:
    return store.list_keys(conn)


def resolve(conn: Connection, ref: str) -> ApiKey:
    """The key whose id is `ref` or starts with it (a unique prefix of 4+ characters)."""
    text = ref.strip().lower()
    if len(text) < 4:
        raise KeyNotFound(ref)
    matches = [key for key in store.list_keys(conn) if str(key.id).startswith(text)]
    if len(matches) != 1:
        raise KeyNotFound(ref, ambiguous=len(matches) > 1)
    return matches[0]


def revoke_key(conn: Connection, ref: str, *, now: datetime) -> ApiKey:
    """Revoke the key `ref` names (see `resolve`); revoking twice keeps the first time."""
    key = resolve(conn, ref)
    if key.revoked_at is not None:
        return key
    store.set_revoked(conn, key.id, now=now)
    return resolve(conn, str(key.id))


def authenticate(conn: Connection, api_key: str, application_key: str) -> ApiKey | Refusal:
    """The live key the pair belongs to, or why it is refused."""
    found = store.find_by_api_key_hash(conn, digest(api_key))
    if found is None:
        return Refusal("DD-API-KEY is not a known API key")
    key, app_key_hash = found
    if not hmac.compare_digest(app_key_hash, digest(application_key)):
        return Refusal("DD-APPLICATION-KEY does not belong to this API key")
    if key.revoked_at is not None:
        return Refusal("this API key has been revoked")
    return key
