"""The Slack outbox as values: a message's content, a live message, a queued call.

A live message is casebot's message about one alert cycle in one channel (or
about one error-tracking issue), kept in step with what it shows: `version`
counts the changes, `synced_version` is what Slack shows. Calls to Slack wait
in the outbox as `OutboxItem`s of three kinds: a message's sync (post or
update), a thread reply, an ephemeral message.

Several replicas may send from one outbox: a replica sends an item only while it
holds a `Claim` on it (a lease); the claim says whether an earlier holder may
already have reached Slack with it, so that a post is looked for before it is
sent again.
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
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Head:
    """The oldest pending item of a channel, and what keeps it from leaving now: a
    replica's claim until `claimed_until`, the channel's shared pace until `paced_until`."""

    item: OutboxItem
    claimed_until: datetime | None
    paced_until: datetime | None

    def free_at(self) -> datetime:
        """When the item may be claimed, as far as the rows say."""
        times = [self.item.not_before, self.claimed_until, self.paced_until]
        return max(t for t in times if t is not None)


@dataclass(frozen=True, slots=True)
class Claim:
    """A replica's right to carry out `item` until `until`.

    `taken_over`: another holder's lease ran out before it recorded an answer.
    `maybe_delivered`: a call carrying the item may have reached Slack already (a
    holder died, or a call got no answer), so a post is looked for before it is sent.
    """

    item: OutboxItem
    holder: str
    until: datetime
    taken_over: bool
    maybe_delivered: bool


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
