"""Slack direct messages: how a case's people who are Slack users hear of its changes
(instead of by e-mail, so that nobody hears of one change twice).

`chat.postMessage` with the person's Slack user id as the channel posts in the app's
direct conversation with them (the bot token's `chat:write`, which the manifest asks
for already). Slack answers 200 with `"ok": false` for most refusals: those are read
here, and `ratelimited` (429) waits as long as Slack says.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import orjson

from bot.notify.http import ANSWER_MAX, DeliveryFailed, retry_after
from bot.notify.view import NotificationView
from bot.templating import render_text

# Slack's refusals that a later attempt can get past.
_PASSING = frozenset({"ratelimited", "service_unavailable", "fatal_error", "internal_error"})


@dataclass(frozen=True, slots=True)
class SlackDm:
    """The Slack app's bot token and Web API base (`CASEBOT_SLACK_API_URL`)."""

    token: str
    api_url: str


def text(view: NotificationView) -> str:
    return render_text("notifications/slack_dm.txt.j2", view=view).strip()


async def send(
    client: httpx.AsyncClient, slack: SlackDm, view: NotificationView, *, user: str
) -> str:
    """Post the message to `user`'s direct conversation; Slack's answer, or `DeliveryFailed`."""
    url = f"{slack.api_url.rstrip('/')}/chat.postMessage"
    try:
        response = await client.post(
            url,
            content=orjson.dumps({"channel": user, "text": text(view), "unfurl_links": False}),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {slack.token}",
            },
        )
    except httpx.TimeoutException:
        raise DeliveryFailed(f"no answer from {url} in time", retry=True) from None
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"could not reach {url}: {error}", retry=True) from None
    answer = f"{response.status_code} {response.reason_phrase}: {response.text[:ANSWER_MAX]}"
    if response.status_code == 429:
        after = retry_after(response.headers.get("Retry-After"))
        raise DeliveryFailed("rate limited (429)", retry=True, after=after, answer=answer)
    if response.status_code >= 500:
        raise DeliveryFailed(f"Slack answered {response.status_code}", retry=True, answer=answer)
    try:
        found = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise DeliveryFailed("Slack's answer is not JSON", retry=True, answer=answer) from None
    if not isinstance(found, dict) or not found.get("ok"):
        said = str(found.get("error") if isinstance(found, dict) else "") or "unknown"
        raise DeliveryFailed(f"Slack refused it: {said}", retry=said in _PASSING, answer=answer)
    return f"{response.status_code} {response.reason_phrase}: ok, ts {found.get('ts', '?')}"
