"""Ack latency of a Slack button click, idle vs while the server ingests 1,000 alerts/s.

Starts `casebot serve` (a subprocess, SQLite file, Slack on) against the local fake
Slack Web API, posts one alert to get a live message with case buttons, then
clicks "Assign to me" (a signed block_actions request) repeatedly:
  1. on the idle server;
  2. while this process offers 1,000 generic alerts per second (open loop).
The click's latency is the time until the HTTP answer (Bolt answers when the
listener acks; the case change happens after). Target: p99 < 100 ms under load.

Run: .venv/bin/python bench/slack_ack.py [--clicks 200] [--rate 1000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db.engine import make_engine  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.services.projects import ProjectService  # noqa: E402
from tests.fakes.slack_api import FakeSlack, running_fake_slack  # noqa: E402
from tests.fakes.slack_signing import signed_headers  # noqa: E402

SECRET = "bench-signing-secret-0123456789"
TOKEN = "bench-webhook-token-0123456789"
CLICKED_MESSAGE = "bench {{#is_alert}}@case-web{{/is_alert}} @slack-ops-alerts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alert(n: int, *, message: str, group: str) -> dict[str, Any]:
    at = datetime(2026, 11, 20, 16, 0, tzinfo=UTC) + timedelta(milliseconds=n)
    return {
        "delivery_id": f"bench-{n}",
        "monitor": {"id": "bench-monitor", "name": "Bench monitor", "message": message},
        "group": [f"host:{group}"],
        "state": "Alert" if n % 2 == 0 else "OK",
        "values": {"value": n % 100},
        "timestamp": at.isoformat().replace("+00:00", "Z"),
    }


def _click_body(message: dict[str, Any], n: int) -> str:
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    button = next(e for e in actions["elements"] if e["action_id"] == "assign_to_me")
    user = {"id": f"U0BENCH{n % 4}", "username": f"bench{n % 4}", "team_id": "T05EXAMPLE"}
    payload = {
        "type": "block_actions",
        "user": user,
        "team": {"id": "T05EXAMPLE", "domain": "example-corp"},
        "api_app_id": "A06CASEBOT",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": "C07OPSALRT"},
        "channel": {"id": "C07OPSALRT", "name": "ops-alerts"},
        "trigger_id": f"{n}.5423419876543.bench",
        "message": {"type": "message", "ts": message["ts"], "blocks": message["blocks"]},
        "state": {"values": {}},
        "response_url": "http://127.0.0.1:9/none",
        "actions": [{**button, "block_id": "alert_actions", "action_ts": "1.0"}],
    }
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


async def _clicks(
    session: aiohttp.ClientSession, url: str, message: dict[str, Any], count: int, gap: float
) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    for n in range(count):
        body = _click_body(message, n)
        headers = signed_headers(SECRET, body)
        started = time.perf_counter()
        async with session.post(f"{url}/slack/events", data=body, headers=headers) as response:
            await response.read()
            if response.status != 200:
                errors += 1
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(gap)
    return latencies, errors


def _batch(first: int, size: int) -> dict[str, Any]:
    """An Alertmanager v4 webhook with `size` alerts, each the first firing of a new group."""
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "BenchLoad", "instance": f"host-{n}", "severity": "critical"},
            "annotations": {"message": "load on {{value}}"},
            "startsAt": "2026-11-20T09:12:41.823Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"{n:016x}",
        }
        for n in range(first, first + size)
    ]
    return {
        "receiver": "casebot",
        "status": "firing",
        "alerts": alerts,
        "groupLabels": {"alertname": "BenchLoad"},
        "commonLabels": {"alertname": "BenchLoad", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.com",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="BenchLoad", batch="{first}"}}',
        "truncatedAlerts": 0,
    }


async def _load(
    session: aiohttp.ClientSession,
    url: str,
    rate: int,
    batch: int,
    stop: asyncio.Event,
    counts: dict[str, int],
) -> None:
    """Open loop: `rate` alerts/s in requests of `batch` alerts, whatever the answers take."""
    interval = batch / rate
    in_flight = asyncio.Semaphore(256)
    pending: set[asyncio.Task[None]] = set()
    start = time.perf_counter()
    n = 0

    async def send(k: int) -> None:
        try:
            body = _batch(1_000_000 + k * batch, batch)
            endpoint = f"{url}/webhooks/alertmanager?token={TOKEN}"
            async with session.post(endpoint, json=body) as r:
                await r.read()
                counts["ok" if r.status == 202 else "refused"] += batch
        except aiohttp.ClientError:
            counts["error"] += batch
        finally:
            in_flight.release()

    while not stop.is_set():
        due = start + n * interval
        # Always yield: a generator behind schedule must still let answers in.
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if in_flight.locked():
            counts["dropped"] += batch  # the server fell 256 requests behind: counted, not sent
        else:
            await in_flight.acquire()
            task = asyncio.ensure_future(send(n))
            pending.add(task)
            task.add_done_callback(pending.discard)
        n += 1
    counts["offered"] = n * batch
    await asyncio.gather(*pending, return_exceptions=True)  # let the last answers arrive


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def _server(db_url: str, fake_url: str, *, show_log: bool) -> Iterator[str]:
    """`casebot serve` with Slack on, in a subprocess pinned to CPU 0; yields its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "CASEBOT_SLACK_API_URL": fake_url,
        "CASEBOT_WEBHOOK_TOKEN": TOKEN,
        "CASEBOT_PUBLIC_URL": "https://casebot.example.com",
        "CASEBOT_SLACK_PACE": "0",
    }
    env.pop("SLACK_APP_TOKEN", None)
    with tempfile.TemporaryFile("w+") as log:
        command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--database-url", db_url],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
            # Server on CPU 0, this load generator (and the fake Slack) on CPU 1.
            os.sched_setaffinity(server.pid, {0})
            os.sched_setaffinity(0, {1})
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if show_log:
                log.seek(0)
                print(log.read()[-5000:], file=sys.stderr)


async def _measure(url: str, fake: FakeSlack, args: argparse.Namespace) -> Result:
    connector = aiohttp.TCPConnector(limit=300)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(300):
            try:
                async with session.get(f"{url}/healthz") as r:
                    if r.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        first = _alert(0, message=CLICKED_MESSAGE, group="clicked")
        async with session.post(f"{url}/webhooks/generic?token={TOKEN}", json=first) as r:
            assert r.status == 202, await r.text()
        (post,) = await asyncio.to_thread(fake.wait_for, "chat.postMessage", 1, timeout=10)
        message = {"ts": post.answer["ts"], "blocks": post.body["blocks"]}
        await asyncio.sleep(0.5)

        idle, idle_errors = await _clicks(session, url, message, args.clicks, 0.02)

        stop = asyncio.Event()
        counts = {"ok": 0, "refused": 0, "error": 0, "dropped": 0, "offered": 0}
        load = asyncio.ensure_future(_load(session, url, args.rate, args.batch, stop, counts))
        await asyncio.sleep(1.0)  # let the load settle
        load_started = time.perf_counter()
        gap = max(0.0, args.seconds / args.clicks - 0.01)
        busy, busy_errors = await _clicks(session, url, message, args.clicks, gap)
        stop.set()
        await load
        elapsed = time.perf_counter() - load_started + 1.0
    return Result(idle, idle_errors, busy, busy_errors, counts, elapsed)


@dataclass
class Result:
    idle: list[float]
    idle_errors: int
    busy: list[float]
    busy_errors: int
    counts: dict[str, int]
    elapsed: float


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_fake_slack() as fake:
        db_url = f"sqlite:///{tmp}/bench.db"
        engine = make_engine(db_url)
        upgrade(engine)
        with engine.begin() as conn:
            ProjectService(conn, now=datetime.now(UTC)).create(name="Web", key="WEB", handle="web")
        engine.dispose()
        with _server(db_url, fake.url, show_log=args.server_log) as url:
            result = asyncio.run(_measure(url, fake, args))
    _report(result, args)


def _report(result: Result, args: argparse.Namespace) -> None:
    counts = result.counts
    accepted = counts["ok"] / result.elapsed
    print(f"casebot Slack ack latency, button click 'Assign to me' ({args.clicks} clicks each)")
    print(
        f"load: Alertmanager webhooks, {args.batch} new groups per request, "
        f"{args.rate} alerts/s offered ({args.rate / args.batch:.0f} requests/s)"
    )
    print()
    print("| server state | clicks | errors | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = (
        ("idle", result.idle, result.idle_errors),
        (f"ingesting {args.rate} alerts/s", result.busy, result.busy_errors),
    )
    for name, data, errors in rows:
        print(
            f"| {name} | {len(data)} | {errors} | {statistics.median(data):.1f} | "
            f"{_pct(data, 0.99):.1f} | {max(data):.1f} |"
        )
    print()
    print(
        f"load: offered {counts['offered']} alerts in {result.elapsed:.1f} s, accepted (202) "
        f"{counts['ok']} = {accepted:.0f}/s, refused {counts['refused']}, "
        f"errors {counts['error']}, not sent (server 256 requests behind) {counts['dropped']}"
    )
    verdict = "met" if _pct(result.busy, 0.99) < 100 else "NOT met"
    print(f"target p99 < 100 ms under load: {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--batch", type=int, default=10, help="alerts per Alertmanager request (1 = one each)"
    )
    parser.add_argument("--server-log", action="store_true", help="print the server's log tail")
    main(parser.parse_args())
