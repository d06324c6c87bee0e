"""The Slack outbox as values: a message's content, a live message, a queued call.

A live message is casebot's message about one alert cycle in one channel (or
about one error-tracking issue), kept in step with what it shows: `version`
counts the changes, `synced_version` is what Slack shows. Calls to Slack wait
in the outbox as `OutboxItem`s of three kinds: a message's sync (post or
update), a thread reply, an ephemeral message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MESSAGE = "message"
REPLY = "reply"
EPHEMERAL = "ephemeral"

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Message:
    """What chat.postMessage / chat.update send: fallback `text` always, plus blocks."""

    text: str
    blocks: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    kind: str
    channel_ref: str
    message_id: int | None
    payload: dict[str, Any]
    attempts: int
    not_before: datetime


@dataclass(frozen=True, slots=True)
class LiveMessage:
    """A live message's stored state."""

    id: int
    group_id: int | None
    cycle: int | None
    channel_ref: str
    channel_id: str | None
    ts: str | None
    case_id: uuid.UUID | None
    alert: dict[str, Any]
    text: str
    blocks: list[dict[str, Any]]
    version: int
    synced_version: int
