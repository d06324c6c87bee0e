"""The shared secret webhook senders present: configured, or generated once and stored."""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import Engine

from bot.services.server_secrets import ensure_secret

SETTING_KEY = "webhook_token"


def ensure_token(engine: Engine, configured: str | None) -> str:
    """`configured` when given; else the stored token, generating and storing it the first time.

    Two servers starting at once on one database agree: the insert ignores a
    conflict and both read back whichever token was stored first.
    """
    if configured:
        return configured
    return ensure_secret(engine, SETTING_KEY, lambda: secrets.token_urlsafe(24))


def token_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
