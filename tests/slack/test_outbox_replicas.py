"""Several senders on one outbox, as replicas on one database run them: each call leaves
once, in order, at the channel's shared pace; a holder that stops has its calls taken
over, and a post it may have made is looked for in Slack before it is sent again."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine, select

from bot.db.engine import make_engine
from bot.db.slack_tables import slack_messages
from bot.services import outbox
from bot.slack.channels import ChannelDirectory
from bot.slack.sender import OutboxSender, SenderTiming
from bot.slack.web_calls import TAG_EVENT
from tests import local_http
from tests.fakes.slack_api import FakeSlack
from tests.slack.outbox_rows import make_group, now, text_message
from tests.slack.running import running_in_thread

FAST = SenderTiming(pace=0.0, poll=0.02, backoff_base=0.05, backoff_max=0.2, shutdown_grace=2.0)
TAG = "test-install-tag"


@contextmanager
def replica(
    engine: Engine, fake: FakeSlack, name: str, timing: SenderTiming = FAST
) -> Iterator[OutboxSender]:
    """A sender with an engine of its own, as a separate server would have."""
    own = make_engine(engine.url)
    client = AsyncWebClient(token="xoxb-test", base_url=fake.url, timeout=1)
    sender = OutboxSender(
        own,
        client,
        ChannelDirectory(own, client, now=now),
        timing=timing,
        holder=name,
        tag=TAG,
    )
    try:
        with running_in_thread(sender.run):
            yield sender
    finally:
        own.dispose()


def _live(engine: Engine, text: str, *, channel: str = "C07OPSALRT") -> int:
    with engine.begin() as conn:
        message, created = outbox.put_live_message(
            conn,
            group_id=make_group(conn),
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


def _settled(engine: Engine, timeout: float = 20.0) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            counts = outbox.counts(conn)
        if not counts.get("pending") or time.monotonic() > deadline:
            return counts
        time.sleep(0.02)


def test_two_senders_post_each_message_once_and_update_the_one_posted(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0OTHER01", "other")
    fake_slack.add_channel("C0THIRD01", "third")
    channels = ["C07OPSALRT", "C0OTHER01", "third"]
    with ExitStack() as stack:
        stack.enter_context(replica(engine, fake_slack, "a"))
        stack.enter_context(replica(engine, fake_slack, "b"))
        ids = [_live(engine, f"alert {n}", channel=channels[n % 3]) for n in range(30)]
        fake_slack.wait_for("chat.postMessage", 30, timeout=20)
        for n, message_id in enumerate(ids):
            _change(engine, message_id, f"alert {n} resolved")
        assert _settled(engine) == {"sent": 60}
    posts = fake_slack.top_level()
    assert Counter(m["text"].removesuffix(" resolved") for m in posts) == Counter(
        f"alert {n}" for n in range(30)
    )
    assert all(m["text"].endswith(" resolved") for m in posts)
    with engine.connect() as conn:
        rows = conn.execute(select(slack_messages.c.ts, slack_messages.c.synced_version)).all()
    assert sorted(r.ts for r in rows) == sorted(m["ts"] for m in posts)
    assert {r.synced_version for r in rows} == {2}
    # Each channel's calls left in the order they were queued.
    for channel in ("C07OPSALRT", "C0OTHER01", "C0THIRD01"):
        calls = [c for c in fake_slack.calls(ok_only=True) if c.body.get("channel") == channel]
        posted = [int(c.body["text"].split()[1]) for c in calls if c.method == "chat.postMessage"]
        assert posted == sorted(posted) and len(posted) == 10
        updated = [int(c.body["text"].split()[1]) for c in calls if c.method == "chat.update"]
        assert updated == sorted(updated) and len(updated) == 10
    with engine.connect() as conn:
        report = outbox.report(conn, now=now())
    assert report["claimed"] + report["covered"] == report["sent"] == 60
    assert report["taken_over"] == 0 and report["in_flight"] == 0


def test_the_pace_of_a_channel_holds_across_senders(engine: Engine, fake_slack: FakeSlack) -> None:
    paced = SenderTiming(pace=0.3, poll=0.02, backoff_base=0.05)
    for n in range(5):
        _live(engine, f"ops {n}")
    with replica(engine, fake_slack, "a", paced), replica(engine, fake_slack, "b", paced):
        posts = fake_slack.wait_for("chat.postMessage", 5, timeout=10)
    assert [c.body["text"] for c in posts] == [f"ops {n}" for n in range(5)]
    gaps = [b.at - a.at for a, b in itertools.pairwise(posts)]
    assert min(gaps) >= 0.28, gaps


def test_a_post_whose_holder_died_is_found_in_slack_not_posted_again(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    message_id = _live(engine, "before the crash")
    with engine.begin() as conn:
        (head,) = outbox.heads(conn)
        # A replica claimed the post, Slack took it, and the replica died before it
        # recorded the answer: the claim stays until its lease runs out.
        claim = outbox.claim(
            conn, head.item.id, holder="dead", now=now(), lease=timedelta(seconds=0.5)
        )
        assert claim is not None
    answer = local_http.post(
        fake_slack.url + "chat.postMessage",
        json={
            "channel": "C07OPSALRT",
            "text": "before the crash",
            "metadata": {
                "event_type": TAG_EVENT,
                "event_payload": {"casebot": TAG, "ref": f"m{message_id}"},
            },
        },
        headers={"Authorization": "Bearer xoxb-test"},
    ).json()
    with replica(engine, fake_slack, "b"):
        _change(engine, message_id, "after the crash")
        (update,) = fake_slack.wait_for("chat.update", 1, timeout=10)
        assert _settled(engine) == {"sent": 2}
    assert update.body["ts"] == answer["ts"]
    assert [m["text"] for m in fake_slack.top_level()] == ["after the crash"]
    history = fake_slack.calls("conversations.history", ok_only=True)
    assert history and history[0].body["include_all_metadata"] in ("1", "true", True)
    with engine.connect() as conn:
        report = outbox.report(conn, now=now())
        ts = conn.execute(select(slack_messages.c.ts)).scalar_one()
    assert ts == answer["ts"]
    assert report["taken_over"] == 1 and report["found_in_slack"] == 1


def test_a_post_whose_holder_died_before_slack_took_it_is_posted_after_the_lease(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    _live(engine, "never reached Slack")
    with engine.begin() as conn:
        (head,) = outbox.heads(conn)
        assert outbox.claim(
            conn, head.item.id, holder="dead", now=now(), lease=timedelta(seconds=1)
        )
    started = time.monotonic()
    with replica(engine, fake_slack, "b"):
        (post,) = fake_slack.wait_for("chat.postMessage", 1, timeout=10)
        assert _settled(engine) == {"sent": 1}
    assert post.at - started >= 0.8  # not before the dead holder's lease ran out
    assert fake_slack.calls("conversations.history", ok_only=True)
    assert [m["text"] for m in fake_slack.top_level()] == ["never reached Slack"]
