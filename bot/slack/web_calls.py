"""Slack Web API calls as the outbox sender makes them (bot/slack/sender.py).

Each call is bounded by the time left in the sender's claim, and its failure sorted:
`RetryLater` (a 429 with its `Retry-After`, a 5xx, a timeout, a dropped connection:
`uncertain` when Slack may have acted) or `Refused` (an error no retry cures). Posts
carry a metadata tag, and `look_for` finds one that reached Slack unrecorded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.channels import ChannelDirectory, ChannelNotFound

log = logging.getLogger(__name__)

# Slack errors that a later attempt can cure.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)

# The metadata event type of casebot's posts (Slack message metadata).
TAG_EVENT = "casebot_outbox"
# How far before an item was queued a lost post of it is looked for (clocks differ).
HISTORY_SLACK = timedelta(minutes=5)


class RetryLater(Exception):
    """A call to try again later (`after` seconds, when Slack said)."""

    def __init__(
        self,
        error: str,
        *,
        after: float | None = None,
        rate_limited: bool = False,
        uncertain: bool = False,
    ):
        super().__init__(error)
        self.after = after
        self.rate_limited = rate_limited
        # No answer came (a timeout, a dropped connection, a 5xx): the call may have acted.
        self.uncertain = uncertain


class Refused(Exception):
    """Slack refused the call for good (`channel_not_found`, `invalid_blocks`, ...)."""


class SlackCalls:
    """The Web API client, the channel directory and the tag of this database's posts."""

    def __init__(
        self,
        client: AsyncWebClient,
        channels: ChannelDirectory,
        *,
        tag: str,
        counted: Callable[[str], None],
        history_pages: int,
    ) -> None:
        self._client = client
        self._channels = channels
        self._tag = tag
        self._counted = counted
        self._history_pages = history_pages  # pages of 200 messages searched

    def metadata(self, ref: str) -> dict[str, Any]:
        return {"event_type": TAG_EVENT, "event_payload": {"casebot": self._tag, "ref": ref}}

    async def look_for(
        self,
        item_id: int,
        since: datetime,
        channel_id: str,
        ref: str,
        deadline: float,
        *,
        thread_ts: str | None = None,
    ) -> str | None:
        """The ts of casebot's post tagged `ref` in the channel (or thread) since the item
        was queued (`since`); None when Slack has none, or will not tell (then it is posted)."""
        method = "conversations_replies" if thread_ts else "conversations_history"
        cursor: str | None = None
        try:
            for _ in range(self._history_pages):
                page = await self.call(
                    method,
                    deadline,
                    channel=channel_id,
                    ts=thread_ts,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
                for message in page.get("messages") or []:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("casebot") == self._tag and payload.get("ref") == ref:
                        self._counted("found")
                        log.info("slack call %d: its post was found in Slack", item_id)
                        return str(message["ts"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return None
        except Refused as refusal:
            log.warning(
                "slack call %d: cannot search #%s for an earlier post (%s); posting, "
                "which may show the message twice",
                item_id,
                channel_id,
                refusal,
            )
        return None

    async def channel(self, ref: str) -> str:
        try:
            return await self._channels.resolve(ref)
        except ChannelNotFound as exc:
            raise Refused(str(exc)) from exc
        except SlackApiError as exc:
            raise self.translate(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise RetryLater(f"conversations.list: {exc!r}") from exc

    async def call(self, method: str, deadline: float, **kwargs: Any) -> Any:
        """One Web API call, given up (as maybe made) when the claim's time is nearly out."""
        args = {k: v for k, v in kwargs.items() if v is not None}
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RetryLater(f"{method}: no time left in the claim")
        self._counted("called")
        try:
            async with asyncio.timeout(remaining):
                return await getattr(self._client, method)(**args)
        except SlackApiError as exc:
            raise self.translate(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise RetryLater(f"{method}: {exc!r}", uncertain=True) from exc

    @staticmethod
    def translate(exc: SlackApiError) -> Exception:
        response = exc.response
        status = int(getattr(response, "status_code", 200) or 200)
        error = str(response.get("error", "")) if hasattr(response, "get") else ""
        if status == 429 or error == "ratelimited":
            raw = (getattr(response, "headers", None) or {}).get("Retry-After", "1")
            try:
                after = float(raw)
            except (TypeError, ValueError):
                after = 1.0
            return RetryLater(
                f"rate limited ({status}); Retry-After {raw}", after=after, rate_limited=True
            )
        if status >= 500:
            # Slack (or a proxy) failed while answering: whether it acted is unknown.
            return RetryLater(f"Slack answered {status} {error}".strip(), uncertain=True)
        if error in TRANSIENT_ERRORS:
            return RetryLater(f"Slack answered {status} {error}".strip())
        return Refused(f"Slack refused the call: {error or status}")
