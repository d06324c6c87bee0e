"""The fake Slack Web API answers like Slack and misbehaves on request."""

from __future__ import annotations

import asyncio
import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlack


def _client(fake: FakeSlack, timeout: int = 5) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.url, timeout=timeout)


def test_post_then_update_is_recorded(fake_slack: FakeSlack) -> None:
    async def go() -> str:
        client = _client(fake_slack)
        posted = await client.chat_postMessage(channel="C07OPSALRT", text="hi", blocks=[])
        assert posted["ok"] and posted["channel"] == "C07OPSALRT"
        await client.chat_update(channel="C07OPSALRT", ts=posted["ts"], text="hi again")
        return str(posted["ts"])

    ts = asyncio.run(go())
    post, update = fake_slack.calls()
    assert (post.method, post.body["text"]) == ("chat.postMessage", "hi")
    assert post.headers["authorization"] == "Bearer xoxb-test"
    assert (update.method, update.body["ts"]) == ("chat.update", ts)
    assert list(fake_slack.posted().values()) == [("C07OPSALRT", "hi again")]


def test_unknown_channel_is_refused(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as caught:
        asyncio.run(_client(fake_slack).chat_postMessage(channel="C0NOPE", text="x"))
    assert caught.value.response["error"] == "channel_not_found"


def test_rate_limit_answers_429_with_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=2)
    with pytest.raises(SlackApiError) as caught:
        asyncio.run(_client(fake_slack).chat_postMessage(channel="C07OPSALRT", text="x"))
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "2"
    # The fault is used up: the next call succeeds.
    asyncio.run(_client(fake_slack).chat_postMessage(channel="C07OPSALRT", text="x"))
    assert [c.status for c in fake_slack.calls()] == [429, 200]


def test_server_error_and_hang(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.update", status=500)
    with pytest.raises(SlackApiError) as caught:
        asyncio.run(_client(fake_slack).chat_update(channel="C07OPSALRT", ts="1", text="x"))
    assert caught.value.response.status_code == 500

    fake_slack.hang("chat.postMessage", 3)
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(_client(fake_slack, timeout=1).chat_postMessage(channel="C07OPSALRT", text="x"))
    assert time.monotonic() - started < 2.5
    assert fake_slack.posted() == {}


def test_conversations_list_pages(fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C01", "general")
    fake_slack.add_channel("C02", "random")

    async def names() -> list[str]:
        client = _client(fake_slack)
        found: list[str] = []
        cursor = ""
        while True:
            page = await client.conversations_list(cursor=cursor or None, limit=2)
            found += [c["name"] for c in page["channels"]]
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                return found

    assert asyncio.run(names()) == ["ops-alerts", "general", "random"]
