"""Channel names to ids, through conversations.list, cached in memory and in the database.

A handle names a channel (`@slack-ops-alerts`) or gives its id (`@slack-C07OPSALRT`);
ids are used as they are. Names are looked up once and remembered in
`slack_channels`, so a restart does not list the workspace again.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from sqlalchemy import Engine

from bot.services import channels

if TYPE_CHECKING:  # the client's imports (aiohttp) would slow `casebot slack`
    from slack_sdk.web.async_client import AsyncWebClient

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")

# After a name was not found, list the workspace again no sooner than this (seconds):
# conversations.list is a Tier 2 method (about 20 calls a minute).
RELIST_AFTER = 60.0


class ChannelNotFound(Exception):
    """The channel name is not in the workspace (or the bot cannot see it)."""


# Slack's longest channel name: a longer `@slack-…` handle cannot name a channel.
CHANNEL_NAME_MAX = 80


def channel_ref(mention_name: str, *, workspace: str | None = None) -> str:
    """The channel a `@slack-…` handle names: `ops-alerts`, `C07OPSALRT`.

    With a workspace name configured, `@slack-<workspace>-<channel>` names `<channel>`.
    """
    name = mention_name.lstrip("#")
    if workspace and name.lower().startswith(workspace.lower() + "-"):
        name = name[len(workspace) + 1 :]
    return name if CHANNEL_ID.match(name) else name.lower()


class ChannelDirectory:
    def __init__(
        self,
        engine: Engine,
        client: AsyncWebClient,
        *,
        now: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._client = client
        self._now = now
        self._ids: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._listed_at = float("-inf")

    async def resolve(self, ref: str) -> str:
        """The channel id for `ref`; raises ChannelNotFound."""
        if CHANNEL_ID.match(ref):
            return ref
        if ref in self._ids:
            return self._ids[ref]
        stored = await anyio.to_thread.run_sync(self._stored, ref)
        if stored is not None:
            self._ids[ref] = stored
            return stored
        async with self._lock:
            if ref in self._ids:
                return self._ids[ref]
            if time.monotonic() - self._listed_at >= RELIST_AFTER:
                found = await self._list_all()
                self._listed_at = time.monotonic()
                self._ids.update(found)
                await anyio.to_thread.run_sync(self._store, found)
        if ref in self._ids:
            return self._ids[ref]
        raise ChannelNotFound(
            f"channel #{ref} not found: check the name, and invite the casebot app to it"
        )

    async def _list_all(self) -> dict[str, str]:
        found: dict[str, str] = {}
        cursor: str | None = None
        while True:
            page = await self._client.conversations_list(
                cursor=cursor,
                limit=200,
                exclude_archived=True,
                types="public_channel,private_channel",
            )
            channels: list[dict[str, Any]] = page.get("channels") or []
            for channel in channels:
                found[str(channel["name"]).lower()] = str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return found

    def _stored(self, ref: str) -> str | None:
        with self._engine.connect() as conn:
            return channels.stored_id(conn, ref)

    def _store(self, found: dict[str, str]) -> None:
        with self._engine.begin() as conn:
            channels.store_ids(conn, found, now=self._now())
