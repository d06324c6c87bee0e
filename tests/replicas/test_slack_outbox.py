"""Two `casebot serve` replicas on one PostgreSQL database post each alert to Slack once.

A multi-group monitor behind a load balancer sends its notifications to both replicas
at the same moment; each replica's outbox sender reads the same outbox. Slack (the fake
Web API) must receive one top-level post per alert, every later update must reach the
message that was posted, and a replica killed in the middle must neither lose a post
nor make one twice.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.cli import main
from bot.db.engine import make_engine
from bot.db.slack_tables import slack_messages, slack_outbox
from tests.databases import postgres_database, postgres_server_url
from tests.fakes.slack_api import FakeSlack, running_fake_slack
from tests.replicas.harness import Monitor, People, Replica, replicas, set_status, settled
from tests.slack.server import buttons

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
CHANNEL = "C07OPSALRT"  # #ops-alerts in the fake workspace
ALERTS = 30


@pytest.fixture
def database_url() -> Iterator[str]:
    """An empty PostgreSQL database: the replicas migrate it as they start."""
    server = postgres_server_url()
    if server is None:
        pytest.skip("CASEBOT_TEST_POSTGRES_URL is not set")
    with postgres_database(server) as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with running_fake_slack() as fake:
        yield fake


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = make_engine(database_url)
    yield created
    created.dispose()


def test_two_replicas_post_each_alert_once_and_update_the_post(
    database_url: str, fake: FakeSlack, engine: Engine, tmp_path: Path
) -> None:
    monitor = Monitor()
    with replicas(database_url, fake, tmp_path) as (a, b):
        monitor.pairs([a, b], [monitor.body(n, "Alert") for n in range(ALERTS)])
        assert settled(engine) == {"sent": ALERTS}
        monitor.pairs([a, b], [monitor.body(n, "OK", previous="Alert") for n in range(ALERTS)])
        settled(engine)
        claims = {r.name: _claims(r) for r in (a, b)}
    monitor.close()
    _assert_one_post_per_alert_kept_in_step(engine, fake)
    report = _report(database_url)
    assert report.get("taken_over", 0) == 0 and report.get("pending", 0) == 0
    # Each call was claimed once, and both replicas sent some of them.
    assert report["claimed"] + report.get("covered", 0) == report["sent"]
    assert sum(c.get("claimed", 0) for c in claims.values()) == report["claimed"]
    assert all(c.get("claimed", 0) > 0 for c in claims.values()), claims


def test_a_replica_killed_mid_run_and_restarted_loses_and_repeats_no_post(
    database_url: str, fake: FakeSlack, engine: Engine, tmp_path: Path
) -> None:
    fake.latency = 0.1  # Slack acts, then answers: a kill often falls in between
    monitor = Monitor()
    with replicas(database_url, fake, tmp_path) as (a, b):

        def kill_b_while_it_holds_a_claim() -> None:
            _wait_for_claim_of(engine, "b", timeout=60)
            b.kill()
            b.start()

        with ThreadPoolExecutor(1) as killer:
            killed = killer.submit(kill_b_while_it_holds_a_claim)
            monitor.pairs([a, b], [monitor.body(n, "Alert") for n in range(ALERTS)])
            killed.result(timeout=90)
        b.wait_ready()
        settled(engine)
        monitor.pairs([a, b], [monitor.body(n, "OK", previous="Alert") for n in range(ALERTS)])
        settled(engine)
    monitor.close()
    _assert_one_post_per_alert_kept_in_step(engine, fake)
    report = _report(database_url)
    assert report["taken_over"] >= 1, report  # the killed replica's claim, after its lease
    assert report.get("pending", 0) == 0


def test_a_post_slack_took_before_the_replica_was_killed_is_found_not_repeated(
    database_url: str, fake: FakeSlack, engine: Engine, tmp_path: Path
) -> None:
    # Slack takes the post; its answer never arrives (the replica is killed meanwhile).
    fake.act_and_hang("chat.postMessage", 30)
    monitor = Monitor()
    with replicas(database_url, fake, tmp_path) as pair:
        monitor.deliver(pair[0], monitor.body(1, "Alert"))
        fake.wait_for("chat.postMessage", 1, timeout=20)
        holder = _wait_for_claim_of(engine, "a", "b")
        killed = next(r for r in pair if r.name == holder)
        killed.kill()
        # The other replica takes the call over once the lease ends, finds the post in
        # the channel's history by its tag, and keeps its ts.
        assert settled(engine, timeout=30) == {"sent": 1}
        killed.start()
        killed.wait_ready()
        monitor.deliver(killed, monitor.body(1, "OK", previous="Alert"))
        settled(engine)
    monitor.close()
    (post,) = fake.top_level(CHANNEL)
    _assert_one_post_per_alert_kept_in_step(engine, fake, alerts=1)
    report = _report(database_url)
    assert report["taken_over"] == 1 and report["found_in_slack"] == 1, report
    assert all(c.body["ts"] == post["ts"] for c in fake.calls("chat.update"))


def test_a_case_changed_through_one_replica_updates_the_alert_message_of_the_other(
    database_url: str, fake: FakeSlack, engine: Engine, tmp_path: Path
) -> None:
    # The change's replica queues the update in the change's transaction; no wake-up
    # crosses replicas: whichever sender claims the call finds it in the outbox.
    monitor = Monitor()
    with replicas(database_url, fake, tmp_path) as (a, b):
        people = People.add(database_url, engine)
        alert = monitor.body(1, "Alert")
        alert["monitor"]["message"] += " @case-ops"
        monitor.deliver(a, alert)
        (post,) = fake.wait_for("chat.postMessage", timeout=20)
        assert "case_in_progress" in buttons(post)
        with people.case_api(b) as api:
            set_status(api, "OPS-1", "IN_PROGRESS")
        updated = fake.wait_for(
            "chat.update", timeout=20, where=lambda call: "case_in_progress" not in buttons(call)
        )
        assert updated[-1].body["ts"] == post.answer["ts"]
    monitor.close()


# -- checks ---------------------------------------------------------------------------------


def _assert_one_post_per_alert_kept_in_step(
    engine: Engine, fake: FakeSlack, *, alerts: int = ALERTS
) -> None:
    posts = fake.top_level(CHANNEL)
    with engine.connect() as conn:
        rows = conn.execute(select(slack_messages)).all()
    # One top-level post per alert, and the database knows each by its ts.
    assert len(posts) == alerts, [p["text"][:40] for p in posts]
    assert len(rows) == alerts
    assert sorted(r.ts for r in rows) == sorted(p["ts"] for p in posts)
    # Every later change reached the message that was posted, which shows the latest.
    shown = {p["ts"]: p["text"] for p in posts}
    for row in rows:
        assert row.synced_version == row.version, row
        assert shown[row.ts] == row.text
    updates = fake.calls("chat.update")
    assert updates and {c.body["ts"] for c in updates} <= set(shown)
    assert all(c.status == 200 for c in updates)
    # One thread reply (the state change) under each message: replies left once too.
    replies = Counter(m["thread_ts"] for m in fake.posted_messages() if m.get("thread_ts"))
    assert replies == Counter(dict.fromkeys(shown, 1))


def _wait_for_claim_of(engine: Engine, *names: str, timeout: float = 20) -> str:
    """The name of the replica among `names` that holds a claim, once one does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            holders = conn.execute(
                select(slack_outbox.c.claimed_by).where(
                    slack_outbox.c.status == "pending", slack_outbox.c.claimed_by.is_not(None)
                )
            ).scalars()
            for holder in holders:
                name = holder.split(":", 1)[0]
                if name in names:
                    return name
        time.sleep(0.005)
    raise AssertionError(f"no claim held by {names} within {timeout}s")


def _claims(replica: Replica) -> dict[str, float]:
    """casebot_slack_outbox_claims_total of a replica, by outcome (read before it stops)."""
    return replica.metrics("casebot_slack_outbox_claims_total", "outcome")


def _report(database_url: str) -> dict[str, int]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["slack", "outbox", "--database-url", database_url, "--format", "json"]) == 0
    report: dict[str, int] = json.loads(out.getvalue())
    return report
