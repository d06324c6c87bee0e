"""The durable outbox and its sender, against the fake Slack Web API over real HTTP."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine, select

from bot.db.slack_tables import slack_messages, slack_outbox
from bot.services import outbox
from bot.slack.channels import ChannelDirectory
from bot.slack.sender import OutboxSender, SenderTiming
from tests.fakes.slack_api import FakeSlack
from tests.slack.outbox_rows import make_group, now, text_message
from tests.slack.running import running_in_thread

FAST = SenderTiming(pace=0.0, poll=0.05, backoff_base=0.05, backoff_max=0.2, shutdown_grace=2.0)


@contextmanager
def sending(engine: Engine, fake: FakeSlack, timing: SenderTiming = FAST) -> Iterator[OutboxSender]:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.url, timeout=1)
    sender = OutboxSender(engine, client, ChannelDirectory(engine, client, now=now), timing=timing)
    with running_in_thread(sender.run):
        yield sender


def _live(
    engine: Engine, text: str, *, channel: str = "C07OPSALRT", group: int | None = None
) -> int:
    with engine.begin() as conn:
        group_id = group if group is not None else make_group(conn)
        message, created = outbox.put_live_message(
            conn,
            group_id=group_id,
            cycle=1,
            channel_ref=channel,
            message=text_message(text),
            alert={},
            now=now(),
        )
        assert created
        return message.id


def _change(engine: Engine, message_id: int, text: str) -> None:
    with engine.begin() as conn:
        outbox.change_message(conn, message_id, text_message(text), now=now())


def _wait_drained(engine: Engine, timeout: float = 10.0) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            counts = outbox.counts(conn)
        if not counts.get("pending") or time.monotonic() > deadline:
            return counts
        time.sleep(0.02)


def test_a_message_is_posted_then_updated_never_posted_twice(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    with sending(engine, fake_slack):
        message_id = _live(engine, "first")
        (post,) = fake_slack.wait_for("chat.postMessage")
        _change(engine, message_id, "second")
        (upd,) = fake_slack.wait_for("chat.update")
        assert _wait_drained(engine) == {"sent": 2}
    assert post.body["text"] == "first" and post.body["blocks"][0]["text"]["text"] == "first"
    assert upd.body["text"] == "second"
    with engine.connect() as conn:
        row = conn.execute(select(slack_messages)).one()
    assert upd.body["ts"] == row.ts and row.channel_id == "C07OPSALRT"
    assert row.synced_version == row.version == 2
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_changes_queued_before_the_post_are_coalesced(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    message_id = _live(engine, "v1")
    for n in range(2, 6):
        _change(engine, message_id, f"v{n}")
    with sending(engine, fake_slack):
        assert _wait_drained(engine) == {"sent": 5}
    assert [c.body["text"] for c in fake_slack.calls()] == ["v5"]


def test_pending_calls_survive_a_restart(engine: Engine, fake_slack: FakeSlack) -> None:
    # The first server is stopped while Slack is down; its calls stay queued.
    fake_slack.fail("chat.postMessage", status=503, times=1000)
    ids = [
        _live(engine, f"alert {n}", channel=ch)
        for n, ch in enumerate(["C07OPSALRT", "ops-alerts"] * 3)
    ]
    with sending(engine, fake_slack):
        fake_slack.wait_for("chat.postMessage", 0)
        deadline = time.monotonic() + 5
        while len(fake_slack.calls("chat.postMessage")) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    with engine.connect() as conn:
        assert outbox.counts(conn) == {"pending": 6}
    fake_slack.clear_faults()
    # A new server (a new sender) picks the same rows up and delivers each once.
    with sending(engine, fake_slack):
        assert _wait_drained(engine) == {"sent": 6}
    texts = Counter(text for _, text in fake_slack.posted().values())
    assert texts == Counter(f"alert {n}" for n in range(6))
    assert len(ids) == 6


def test_a_429_storm_loses_nothing_and_duplicates_nothing(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=0.05, times=25)
    with engine.begin() as conn:
        groups = [make_group(conn) for _ in range(20)]
    with sending(engine, fake_slack):
        ids = [_live(engine, f"alert {n}", group=g) for n, g in enumerate(groups)]
        assert _wait_drained(engine, timeout=30) == {"sent": 20}
        # Then a storm on the updates of half of them.
        fake_slack.fail("chat.update", status=429, retry_after=0.05, times=10)
        for n, message_id in enumerate(ids[:10]):
            _change(engine, message_id, f"alert {n} updated")
        assert _wait_drained(engine, timeout=30) == {"sent": 30}
    final = Counter(text for _, text in fake_slack.posted().values())
    expected = Counter(
        [f"alert {n} updated" for n in range(10)] + [f"alert {n}" for n in range(10, 20)]
    )
    assert final == expected
    assert len(fake_slack.calls("chat.postMessage", ok_only=True)) == 20  # one post each
    assert len(fake_slack.calls("chat.update", ok_only=True)) == 10
    assert len([c for c in fake_slack.calls() if c.status == 429]) == 35


def test_429_waits_for_retry_after(engine: Engine, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=0.6)
    with sending(engine, fake_slack):
        _live(engine, "x")
        (ok,) = fake_slack.wait_for("chat.postMessage")
    refused = fake_slack.calls()[0]
    assert refused.status == 429
    assert ok.at - refused.at >= 0.55


def test_server_errors_and_hangs_are_retried_with_backoff(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=2)
    fake_slack.hang("chat.postMessage", 1.5)  # longer than the client's 1 s timeout
    with sending(engine, fake_slack):
        _live(engine, "eventually")
        fake_slack.wait_for("chat.postMessage", timeout=10)
        assert _wait_drained(engine) == {"sent": 1}
    deadline = time.monotonic() + 3
    while len(fake_slack.calls("chat.postMessage")) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)  # the hung request is recorded when it finally gives up
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [500, 500, 504, 200]
    assert list(fake_slack.posted().values()) == [("C07OPSALRT", "eventually")]
    # A call that got no answer may have posted: before posting again, the sender looked.
    (last_post,) = fake_slack.calls("chat.postMessage", ok_only=True)
    looked = fake_slack.calls("conversations.history", ok_only=True)
    assert looked and looked[-1].at < last_post.at


def test_calls_to_one_channel_are_paced_and_ordered(engine: Engine, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C0OTHER01", "other")
    paced = SenderTiming(pace=0.3, poll=0.05, backoff_base=0.05)
    with engine.begin() as conn:
        groups = [make_group(conn) for _ in range(4)]
    for n, group in enumerate(groups[:3]):
        _live(engine, f"ops {n}", group=group)
    _live(engine, "other 0", channel="C0OTHER01", group=groups[3])
    with sending(engine, fake_slack, paced):
        posts = fake_slack.wait_for("chat.postMessage", 4, timeout=5)
    ops = [c for c in posts if c.body["channel"] == "C07OPSALRT"]
    assert [c.body["text"] for c in ops] == ["ops 0", "ops 1", "ops 2"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(ops)]
    assert min(gaps) >= 0.28
    other = next(c for c in posts if c.body["channel"] == "C0OTHER01")
    assert other.at < ops[1].at  # another channel does not wait behind this one


def test_channel_names_resolve_once_through_conversations_list(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0GENERAL", "general")
    fake_slack.add_channel("C0RANDOM1", "random")
    with sending(engine, fake_slack):
        _live(engine, "a", channel="random")
        _live(engine, "b", channel="random")
        fake_slack.wait_for("chat.postMessage", 2)
    assert {c.body["channel"] for c in fake_slack.calls("chat.postMessage")} == {"C0RANDOM1"}
    assert len(fake_slack.calls("conversations.list")) == 2  # two pages, listed once
    # A restart reads the stored id: no second listing.
    with sending(engine, fake_slack):
        _live(engine, "c", channel="random")
        fake_slack.wait_for("chat.postMessage", 3)
    assert len(fake_slack.calls("conversations.list")) == 2


def test_an_unknown_channel_fails_alone_with_a_clear_error(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    with sending(engine, fake_slack):
        _live(engine, "lost", channel="no-such-channel")
        _live(engine, "fine")
        fake_slack.wait_for("chat.postMessage")
        counts = _wait_drained(engine)
    assert counts == {"sent": 1, "failed": 1}
    with engine.connect() as conn:
        error = conn.execute(
            select(slack_outbox.c.last_error).where(slack_outbox.c.status == "failed")
        ).scalar_one()
    assert "#no-such-channel not found" in error


def test_thread_replies_follow_their_message(engine: Engine, fake_slack: FakeSlack) -> None:
    with engine.begin() as conn:
        group = make_group(conn)
        message, _ = outbox.put_live_message(
            conn,
            group_id=group,
            cycle=1,
            channel_ref="ops-alerts",
            message=text_message("root"),
            alert={},
            now=now(),
        )
        outbox.enqueue_reply(conn, message, "first reply", now=now())
    with sending(engine, fake_slack):
        root, reply = fake_slack.wait_for("chat.postMessage", 2)
    assert root.body["text"] == "root" and "thread_ts" not in root.body
    root_ts = next(ts for ts, (_, text) in fake_slack.posted().items() if text == "root")
    assert reply.body["thread_ts"] == root_ts and reply.body["text"] == "first reply"


def test_a_deleted_message_is_posted_again(engine: Engine, fake_slack: FakeSlack) -> None:
    with sending(engine, fake_slack):
        message_id = _live(engine, "v1")
        fake_slack.wait_for("chat.postMessage")
        fake_slack.fail("chat.update", error="message_not_found")
        _change(engine, message_id, "v2")
        posts = fake_slack.wait_for("chat.postMessage", 2)
    assert posts[-1].body["text"] == "v2"


def test_old_delivered_calls_are_pruned_failed_ones_kept(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    from datetime import timedelta

    _live(engine, "delivered")
    _live(engine, "lost", channel="no-such-channel")
    with sending(engine, fake_slack):
        _wait_drained(engine)
    with engine.begin() as conn:
        later = now() + timedelta(days=8)
        assert outbox.prune(conn, sent_before=later, events_before=later) == 1
        assert outbox.counts(conn) == {"failed": 1}
