"""Destinations, managed by admins: where rules send notifications besides people.

Each kind needs its own settings, checked here (an `InvalidChange` names the one
that is wrong):

- webhook: `url`, and `secret` for the signature (generated when not given);
- email: `address`, a shared mailbox (people are reached at their own address);
- teams: `url`, a Teams incoming-webhook or Workflows URL;
- pagerduty: `routing_key` (the service's Events API v2 integration key), and
  `events_url` where the Events API is not PagerDuty's own.

Reading what the outbox sent, and retrying what failed, is here too.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection

from bot.core.notifications import EMAIL_PATTERN, Destination, DestinationKind
from bot.db import notification_outbox as outbox
from bot.db import notification_rules as store
from bot.db.notification_outbox import Message as Message  # re-exported for adapters
from bot.services.errors import DestinationNotFound, InvalidChange

NAME_MAX = 100
_REQUIRED: Mapping[DestinationKind, tuple[str, ...]] = {
    DestinationKind.WEBHOOK: ("url",),
    DestinationKind.EMAIL: ("address",),
    DestinationKind.TEAMS: ("url",),
    DestinationKind.PAGERDUTY: ("routing_key",),
}
_OPTIONAL: Mapping[DestinationKind, tuple[str, ...]] = {
    DestinationKind.WEBHOOK: ("secret",),
    DestinationKind.EMAIL: (),
    DestinationKind.TEAMS: (),
    DestinationKind.PAGERDUTY: ("events_url",),
}
SECRET_MIN = 16


class Destinations:
    def __init__(self, conn: Connection, *, now: datetime) -> None:
        self.conn = conn
        self.now = now

    def add(self, name: str, kind: str, config: Mapping[str, str]) -> Destination:
        clean_name = name.strip()
        if not clean_name or len(clean_name) > NAME_MAX:
            raise InvalidChange("name", f"must be 1 to {NAME_MAX} characters")
        if store.find_destination(self.conn, clean_name) is not None:
            raise InvalidChange("name", f"a destination named {clean_name!r} exists already")
        try:
            clean_kind = DestinationKind(kind.strip().lower())
        except ValueError:
            known = ", ".join(k.value for k in DestinationKind)
            raise InvalidChange("kind", f"must be one of {known}, got {kind!r}") from None
        destination = Destination(
            id=uuid.uuid4(),
            name=clean_name,
            kind=clean_kind,
            config=_config(clean_kind, config),
            created_at=self.now,
        )
        store.insert_destination(self.conn, destination)
        return destination

    def all(self) -> list[Destination]:
        return store.destinations(self.conn)

    def get(self, ref: str) -> Destination:
        found = store.find_destination(self.conn, ref)
        if found is None:
            raise DestinationNotFound(ref)
        return found

    def by_id(self, destination_id: uuid.UUID) -> Destination | None:
        return store.destination_by_id(self.conn, destination_id)

    def remove(self, ref: str) -> Destination:
        found = self.get(ref)
        store.delete_destination(self.conn, found.id)
        return found

    # -- what was sent -------------------------------------------------------------------------

    def sent(self, *, status: str | None = None, limit: int = 50) -> list[Message]:
        """The outbox's messages, newest first."""
        return outbox.messages(self.conn, status=status, limit=limit)

    def retry(self, message_id: int) -> bool:
        return outbox.retry(self.conn, message_id, now=self.now)


def _config(kind: DestinationKind, given: Mapping[str, str]) -> dict[str, str]:
    allowed = (*_REQUIRED[kind], *_OPTIONAL[kind])
    config: dict[str, str] = {}
    for key, value in given.items():
        if key not in allowed:
            raise InvalidChange(
                key, f"is not a setting of a {kind.value} destination ({', '.join(allowed)})"
            )
        config[key] = value.strip()
    for key in _REQUIRED[kind]:
        if not config.get(key):
            raise InvalidChange(key, f"a {kind.value} destination needs it")
    for key in ("url", "events_url"):
        if key in config and not config[key].startswith(("http://", "https://")):
            raise InvalidChange(key, f"must be an http(s) URL, got {config[key]!r}")
    if kind == DestinationKind.EMAIL and not EMAIL_PATTERN.fullmatch(config["address"]):
        raise InvalidChange("address", f"must be an e-mail address, got {config['address']!r}")
    if kind == DestinationKind.WEBHOOK:
        config.setdefault("secret", "")
        if not config["secret"]:
            config["secret"] = secrets.token_hex(32)
        elif len(config["secret"]) < SECRET_MIN:
            raise InvalidChange("secret", f"use at least {SECRET_MIN} characters")
    return config
