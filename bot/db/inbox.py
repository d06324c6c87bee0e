"""The inbox: every accepted delivery, raw, with what became of it."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bot.core.inbox import Outcome
from bot.db.metadata import AutoId, Document, UTCDateTime, metadata

inbox = Table(
    "inbox",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("source", String(30), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("headers", Document, nullable=False),
    Column("body", LargeBinary, nullable=False),
    # The sender's delivery id when it has one. NULLs never collide, so only
    # deliveries that carry a key are deduplicated by this constraint.
    Column("delivery_key", String(300), nullable=True),
    Column("outcome", String(20), nullable=False, server_default=Outcome.PENDING.value),
    Column("reason", Text, nullable=True),
    Column("processed_at", UTCDateTime, nullable=True),
    Column("result", Document, nullable=True),
    UniqueConstraint("source", "delivery_key"),
    Index(None, "outcome", "id"),
)
