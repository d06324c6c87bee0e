"""The shared secret webhook senders present: configured, or generated once and stored."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.db.app_settings import app_settings

SETTING_KEY = "webhook_token"


def ensure_token(engine: Engine, configured: str | None) -> str:
    """`configured` when given; else the stored token, generating and storing it the first time.

    Two servers starting at once on one database agree: the insert ignores a
    conflict and both read back whichever token was stored first.
    """
    if configured:
        return configured
    values = {
        "key": SETTING_KEY,
        "value": secrets.token_urlsafe(24),
        "updated_at": datetime.now(UTC),
    }
    with engine.begin() as conn:
        statement = (
            postgresql.insert(app_settings).values(values).on_conflict_do_nothing()
            if conn.dialect.name == "postgresql"
            else sqlite.insert(app_settings).values(values).on_conflict_do_nothing()
        )
        conn.execute(statement)
        stored = conn.execute(
            select(app_settings.c.value).where(app_settings.c.key == SETTING_KEY)
        ).scalar_one()
    return str(stored)


def token_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
