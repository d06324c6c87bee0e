"""SIGTERM under load: a real `casebot serve`, deliveries sent without pause from
several clients, the signal sent while Slack has a call under way.

Every delivery answered 202 must be in the database; once the server has answered
one 503, no delivery sent after it is answered 202; a refused delivery is not
stored (the sender's retry is not a duplicate); the call to Slack under way
finishes instead of being cut off; the process exits within CASEBOT_SHUTDOWN_SECONDS.
"""

from __future__ import annotations

import itertools
import json
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.db.engine import make_engine
from bot.db.inbox import inbox
from bot.db.slack_tables import slack_messages, slack_outbox
from tests import local_http
from tests.databases import postgres_database, postgres_server_url, sqlite_url
from tests.fakes.slack_api import Call, FakeSlack, running_fake_slack
from tests.replicas.harness import WEBHOOK_TOKEN, Monitor, Replica, replica_environment

pytestmark = pytest.mark.slow

SHUTDOWN_SECONDS = 10
CLIENTS = 4
GROUPS = 12
# Each Slack call takes this long: the signal is sent while one is under way.
SLACK_LATENCY = 0.6


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip("CASEBOT_TEST_POSTGRES_URL is not set")
    with postgres_database(server) as url:
        yield url.render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class Answer:
    delivery_id: str
    sent: float  # time.monotonic() before the request left
    answered: float
    status: int | None  # None: no HTTP answer (connection refused or dropped)
    retry_after: str | None


class Load:
    """Clients that each send one delivery after another until told to stop."""

    def __init__(self, replica: Replica, monitor: Monitor) -> None:
        self.replica = replica
        self.monitor = monitor
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._serial = itertools.count()
        self._threads = [threading.Thread(target=self._client) for _ in range(CLIENTS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(30)

    def accepted(self) -> int:
        with self._lock:
            return sum(a.status == 202 for a in self.answers)

    def _client(self) -> None:
        url = f"{self.replica.base}/webhooks/generic"
        headers = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
        with local_http.Client(timeout=30) as http:
            while not self.stop.is_set():
                n = next(self._serial)
                body = self.monitor.body(n % GROUPS, "Alert" if n // GROUPS % 2 == 0 else "OK")
                sent = time.monotonic()
                try:
                    response = http.post(url, json=body, headers=headers)
                    status, retry = response.status_code, response.headers.get("retry-after")
                except httpx.TransportError:
                    status, retry = None, None
                with self._lock:
                    self.answers.append(
                        Answer(body["delivery_id"], sent, time.monotonic(), status, retry)
                    )
                if status is None:
                    # The server is gone (or going): do not spin on a closed port.
                    self.stop.wait(0.01)


def test_sigterm_under_load_answers_202_only_for_what_it_stored(
    database_url: str, tmp_path: Path
) -> None:
    with running_fake_slack() as fake:
        fake.latency = SLACK_LATENCY
        env = replica_environment(
            database_url, fake, "r1", CASEBOT_SHUTDOWN_SECONDS=str(SHUTDOWN_SECONDS)
        )
        replica = Replica("r1", env, tmp_path).start()
        try:
            replica.wait_ready()
            answers, signalled, exited, held = _sigterm_under_load(replica, fake)
        finally:
            replica.stop()
    assert replica.process is not None
    output = replica.output()

    unexpected = [a for a in answers if a.status not in (202, 503, None)]
    assert not unexpected, unexpected[:5]
    refusals = [a for a in answers if a.status == 503]
    # The server answered while it drained (Slack's call held it open), and said when
    # to come back.
    assert refusals, f"no delivery was answered 503 while the server drained:\n{output}"
    assert all(a.retry_after is not None and int(a.retry_after) >= 1 for a in refusals)
    first_refusal = min(a.answered for a in refusals)
    late = [a for a in answers if a.status == 202 and a.sent > first_refusal]
    assert not late, f"answered 202 after the server had begun refusing: {late[:5]}"

    stored = _stored_delivery_ids(database_url)
    accepted = {a.delivery_id for a in answers if a.status == 202}
    assert len(accepted) >= 50
    assert accepted <= stored, f"acknowledged and lost: {sorted(accepted - stored)[:5]}"
    refused = {a.delivery_id for a in refusals}
    assert not refused & stored, f"refused, yet stored: {sorted(refused & stored)[:5]}"

    # The Slack post under way at the signal was answered and its outcome kept: not cut off.
    assert "cut off" not in output, output
    assert _kept(database_url, held), (held, output)
    assert "stopping: drained" in output
    # A drained stop is a clean exit, within the bound.
    assert replica.process.returncode == 0, output
    assert exited - signalled < SHUTDOWN_SECONDS, output


def _sigterm_under_load(
    replica: Replica, fake: FakeSlack
) -> tuple[list[Answer], float, float, Call]:
    assert replica.process is not None
    monitor = Monitor("checkout-latency")
    with Load(replica, monitor) as load:
        # Control events, not pauses: enough deliveries taken, then a Slack call that
        # has just arrived at Slack (so it is under way for SLACK_LATENCY seconds).
        deadline = time.monotonic() + 60
        while load.accepted() < 100:
            assert time.monotonic() < deadline, "the server took too few deliveries"
            assert replica.process.poll() is None, replica.output()
            time.sleep(0.01)
        seen = len(fake.calls())
        while not (posts := [c for c in fake.calls()[seen:] if c.method == "chat.postMessage"]):
            assert time.monotonic() < deadline, "nothing was posted to Slack"
            time.sleep(0.005)
        held = posts[0]
        signalled = time.monotonic()
        replica.process.send_signal(signal.SIGTERM)
        replica.process.wait(SHUTDOWN_SECONDS + 20)
        exited = time.monotonic()
    monitor.close()
    return load.answers, signalled, exited, held


def _kept(database_url: str, post: Call) -> bool:
    """Whether casebot recorded the answer to `post`: a message's ts, a reply as sent
    (the post's metadata names which: `m<message id>` or `r<outbox id>`)."""
    metadata = post.body["metadata"]
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    ref = str(metadata["event_payload"]["ref"])
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            if ref.startswith("m"):
                ts = conn.execute(
                    select(slack_messages.c.ts).where(slack_messages.c.id == int(ref[1:]))
                ).scalar_one()
                return bool(ts == post.answer["ts"])
            status = conn.execute(
                select(slack_outbox.c.status).where(slack_outbox.c.id == int(ref[1:]))
            ).scalar_one()
            return bool(status == "sent")
    finally:
        engine.dispose()


def _stored_delivery_ids(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            bodies = conn.execute(select(inbox.c.body)).scalars()
            return {json.loads(body)["delivery_id"] for body in bodies}
    finally:
        engine.dispose()
