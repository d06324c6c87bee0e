"""Replicas of `casebot serve` as an operator runs them: real processes on one
PostgreSQL database, each on its own port, with Slack on against the fake Web API.

`Replica` starts, kills (SIGKILL) and restarts one; `Monitor` sends what a
multi-group monitor sends (generic webhooks, one group each) through a load
balancer: to the replicas in turn, retrying a refused or dropped delivery as a
monitor's sender does. `People` are who uses the console and the case API of
replicas: a project, a responder's account and a key pair.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text

from bot.db.case_notices import APPLICATION_NAME
from bot.services import outbox
from tests import local_http
from tests.api.server import STANDARD_TYPE_ID, Keys, key_pair
from tests.cli.processes import clean_environment, free_port
from tests.console.harness import add_account
from tests.databases import postgres_database, postgres_server_url
from tests.engine.builders import add_project
from tests.fakes.slack_api import FakeSlack

WEBHOOK_TOKEN = "replica-webhook-token-0123456789"
SIGNING_SECRET = "replica-signing-secret-0123456789"
MESSAGE = "5xx rate is {{value}}%. @slack-ops-alerts"


@contextmanager
def empty_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (the replicas migrate it as they start), or a
    skip when PostgreSQL tests are off."""
    server = postgres_server_url()
    if server is None:
        pytest.skip("CASEBOT_TEST_POSTGRES_URL is not set")
    with postgres_database(server) as url:
        yield url.render_as_string(hide_password=False)


def replica_environment(
    database_url: str, fake: FakeSlack, name: str, **extra: str
) -> dict[str, str]:
    return clean_environment(
        CASEBOT_DATABASE_URL=database_url,
        CASEBOT_WEBHOOK_TOKEN=WEBHOOK_TOKEN,
        CASEBOT_REPLICA_NAME=name,
        SLACK_BOT_TOKEN="xoxb-replica-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        CASEBOT_SLACK_API_URL=fake.url,
        CASEBOT_SLACK_PACE="0.02",
        CASEBOT_SLACK_TIMEOUT="1",
        CASEBOT_SLACK_LEASE="3",
        **extra,
    )


@dataclass
class Replica:
    """One `casebot serve` process; its output goes to `log` (a file: nothing blocks)."""

    name: str
    env: Mapping[str, str]
    cwd: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.cwd / f"{self.name}.log"

    def start(self) -> Replica:
        """Start the process (without waiting for it: see `wait_ready`)."""
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"--- start {self.starts}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port),
                 "--log-level", "warning"],
                cwd=self.cwd,
                env=dict(self.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"{self.name} stopped:\n{self.output()}"
            try:
                if local_http.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{self.name} did not come up:\n{self.output()}"
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no clean-up; claims and calls are cut off as they are."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def metrics(self, name: str, label: str) -> dict[str, float]:
        """The samples of metric `name` on /metrics, by the value of `label`."""
        text = local_http.get(f"{self.base}/metrics", timeout=10).text
        return {
            sample.labels[label]: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and label in sample.labels
        }

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def replicas(
    database_url: str, fake: FakeSlack, cwd: Path, names: Sequence[str] = ("a", "b")
) -> Iterator[list[Replica]]:
    """Replicas started at the same moment (they migrate the database together)."""
    started = [Replica(name, replica_environment(database_url, fake, name), cwd) for name in names]
    with ExitStack() as stack:
        for one in started:
            stack.callback(one.stop)
            one.start()
        for one in started:
            one.wait_ready()
        yield started


@dataclass(frozen=True, slots=True)
class People:
    """Project OPS, the responder `email` (password: tests.console.harness.PASSWORD) and a
    key pair that reads and writes cases, in a database the replicas migrated."""

    email: str
    keys: Keys

    @classmethod
    def add(cls, database_url: str, engine: Engine) -> People:
        add_project(engine, handle="ops", key="OPS")
        email = "rita@example.com"
        add_account(database_url, email, role="responder", name="Rita Responder")
        return cls(email, key_pair(database_url, "cases_read", "cases_write", name="runbooks"))

    def case_api(self, replica: Replica) -> httpx.Client:
        """The case API of `replica`, with the key pair."""
        return local_http.Client(
            base_url=f"{replica.base}/api/v2", headers=self.keys.headers, timeout=10
        )


def new_case(api: httpx.Client, title: str) -> str:
    """Create a case in OPS through the case API; its key."""
    body = {
        "data": {
            "type": "case",
            "attributes": {"title": title, "type_id": STANDARD_TYPE_ID},
            "relationships": {"project": {"data": {"id": "OPS", "type": "project"}}},
        }
    }
    answer = api.post("/cases", json=body)
    assert answer.status_code == 201, answer.text
    key: str = answer.json()["data"]["attributes"]["key"]
    return key


def set_status(api: httpx.Client, key: str, status: str) -> None:
    body = {"data": {"type": "case", "attributes": {"status": status}}}
    answer = api.post(f"/cases/{key}/status", json=body)
    assert answer.status_code == 200, answer.text


_clock = itertools.count(0)


class Monitor:
    """A multi-group monitor whose notifications a load balancer spreads over replicas."""

    def __init__(self, name: str = "orders-api-5xx") -> None:
        self.name = name
        self._serial = itertools.count(1)
        self.http = local_http.Client(timeout=10)

    def body(self, group: int, state: str, *, previous: str | None = None) -> dict[str, Any]:
        at = datetime(2026, 11, 20, 16, 0, tzinfo=UTC) + timedelta(seconds=next(_clock))
        body: dict[str, Any] = {
            "delivery_id": f"{self.name}-{group}-{state}-{next(self._serial)}",
            "monitor": {"id": self.name, "name": "Orders API 5xx rate", "message": MESSAGE},
            "group": [f"host:web-{group:02d}"],
            "state": state,
            "values": {"value": 7.5},
            "timestamp": at.isoformat().replace("+00:00", "Z"),
            "link": "https://metrics.example.com/d/orders",
        }
        if previous:
            body["previous_state"] = previous
        return body

    def deliver(self, replica: Replica, body: dict[str, Any], *, patience: float = 60) -> None:
        """POST until a 202, as a sender retries a refused or dropped delivery."""
        deadline = time.monotonic() + patience
        url = f"{replica.base}/webhooks/generic"
        while True:
            try:
                answer = self.http.post(
                    url, json=body, headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
                )
                if answer.status_code == 202:
                    return
                assert answer.status_code == 503, answer.text
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{replica.name} never took {body['delivery_id']}"
            time.sleep(0.1)

    def pairs(
        self,
        targets: Sequence[Replica],
        bodies: Sequence[dict[str, Any]],
        *,
        between: Any = None,
    ) -> None:
        """Send `bodies` two at a time, at once, one to each replica; `between(i)` runs
        after pair `i` is answered."""
        with ThreadPoolExecutor(len(targets)) as pool:
            for i in range(0, len(bodies), len(targets)):
                batch = bodies[i : i + len(targets)]
                list(pool.map(self.deliver, targets[: len(batch)], batch))
                if between is not None:
                    between(i // len(targets))

    def close(self) -> None:
        self.http.close()


def settled(engine: Engine, timeout: float = 60) -> dict[str, int]:
    """The outbox's counts once nothing is pending (or the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            counts = outbox.counts(conn)
        if not counts.get("pending") or time.monotonic() > deadline:
            return counts
        time.sleep(0.05)


def cut_listeners(engine: Engine) -> int:
    """End the connections on which servers LISTEN for case notices (as a restart of
    PostgreSQL or a network cut would); how many there were."""
    with engine.begin() as conn:
        cut = conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": APPLICATION_NAME},
        )
        return len(cut.all())
