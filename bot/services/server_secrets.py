"""Secrets the server generates once and keeps in the database: the webhook token, the
key that signs case links. Every server on one database reads the same ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.db import settings_store


def ensure_secret(engine: Engine, key: str, generate: Callable[[], str]) -> str:
    """The secret stored under `key`, generated and stored the first time (two servers
    starting at once agree on one)."""
    with engine.begin() as conn:
        return settings_store.keep_first(conn, key, generate(), now=datetime.now(UTC))
