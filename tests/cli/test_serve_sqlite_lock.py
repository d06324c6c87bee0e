"""SQLite's write lock held by another process: `casebot serve` answers 503 with
Retry-After after CASEBOT_SQLITE_LOCK_WAIT, while the lock is still held, instead of
holding the delivery until the lock is let go; nothing refused is stored, and the
next delivery after the lock is released is taken."""

from __future__ import annotations

import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bot.db.engine import make_engine
from bot.db.inbox import inbox
from tests import local_http
from tests.cli.processes import clean_environment, free_port, running
from tests.engine.builders import count, generic_body

TOKEN = "sqlite-lock-webhook-token-0123"
LOCK_WAIT = 2.0
# Deliveries sent at once while the lock is held: they queue behind the first.
SENDERS = 4


def test_a_write_lock_held_elsewhere_is_answered_503_within_the_bound(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_environment(CASEBOT_WEBHOOK_TOKEN=TOKEN, CASEBOT_SQLITE_LOCK_WAIT=f"{LOCK_WAIT:g}")
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def deliver(n: int) -> tuple[httpx.Response, float]:
        started = time.monotonic()
        response = local_http.post(
            f"{base}/webhooks/generic",
            content=generic_body(group=(f"host:web-{n}",), delivery_id=f"lock-{n}"),
            headers=headers,
            timeout=60,
        )
        return response, time.monotonic() - started

    with running(command, cwd=tmp_path, env=env, base=base):
        assert deliver(0)[0].status_code == 202
        other = sqlite3.connect(tmp_path / "casebot.db", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            with ThreadPoolExecutor(SENDERS) as pool:
                answers = list(pool.map(deliver, range(1, SENDERS + 1)))
            # Answered while the lock is still held: released only now.
            still_held = other.in_transaction
            ready = local_http.get(f"{base}/readyz", timeout=10)
        finally:
            other.execute("COMMIT")
            other.close()
        after = deliver(SENDERS + 1)[0]

    assert still_held
    for response, seconds in answers:
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "2"
        assert "locked by another process" in response.json()["errors"][0]["message"]
        # About the bound: not at once, and not held much longer (a loaded machine).
        assert LOCK_WAIT * 0.5 <= seconds < LOCK_WAIT + 3, seconds
    # Reading never waits for the write lock: the server stays ready.
    assert ready.status_code == 200, ready.text
    assert after.status_code == 202, after.text
    engine = make_engine(f"sqlite:///{tmp_path / 'casebot.db'}")
    try:
        assert count(engine, inbox) == 2  # the first and the last; the refused are not
    finally:
        engine.dispose()
