"""Webhook ingest: alerts/second and latency of `casebot serve` over HTTP on 127.0.0.1.

Starts real servers as subprocesses (uvicorn, as `casebot serve` runs it) and drives
them with a bounded load from this process:

- casebot on SQLite (a fresh file) and, when a PostgreSQL server is reachable, on a
  fresh PostgreSQL database (created and dropped here);
- a bare Starlette endpoint under the same uvicorn that only parses the same JSON
  and answers 202: the baseline, measured in the same run.

Workloads (Alertmanager webhook, version 4; every alert is the first firing of a new
group, so each one stores a delivery and creates a group with its alert cycle):

- single:  1 alert per request, 32 connections, as fast as the server answers;
- batched: 100 alerts per request, 8 connections, as fast as the server answers;
- paced:   1 alert per request offered at 1,000 alerts/s for 5 s (open loop: latency
           counts from the scheduled send time, so a slow server cannot hide it);
- "(each opens a case)": single and batched again with a message that mentions an
  existing project, so that every alert also opens a case with its timeline entries —
  the most expensive thing an alert can do.

The server process is pinned to CPU 0 and this load generator to CPU 1 when the
machine has two. Usage: `python bench/ingest.py [--quick] [--postgres-url URL]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-webhook-token-0123456789abcdef"
OPENS_CASE = "Root filesystem is over 90% full. <<#is_alert>>@case-bench<</is_alert>> @slack-ops"
NO_CASE = "Root filesystem is over 90% full. @slack-ops"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


# -- the baseline server ---------------------------------------------------------------


def bare_app() -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def receive(request: Request) -> Response:
        orjson.loads(await request.body())
        return Response(b'{"inbox_id":0}', status_code=202, media_type="application/json")

    return Starlette(routes=[Route("/webhooks/{source}", receive, methods=["POST"])])


# -- payloads ----------------------------------------------------------------------------


def alert(run: str, n: int, message: str) -> dict[str, object]:
    return {
        "status": "firing",
        "labels": {
            "alertname": "BenchDiskFull",
            "instance": f"host-{run}-{n}",
            "job": "node",
            "severity": "critical",
        },
        "annotations": {"message": message, "summary": f"Disk almost full on host-{run}-{n}"},
        "startsAt": "2026-11-20T09:12:41.823Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "https://prometheus.example.com/graph",
        # Unique per run: the fingerprint is part of the alert's delivery id, and a
        # repeated id would be measured as a (cheap) duplicate, not as a new alert.
        "fingerprint": f"{run}{n:08x}",
    }


def notification(alerts: list[dict[str, object]], message: str) -> bytes:
    return orjson.dumps(
        {
            "receiver": "casebot",
            "status": "firing",
            "alerts": alerts,
            "groupLabels": {"alertname": "BenchDiskFull"},
            "commonLabels": {"alertname": "BenchDiskFull", "job": "node"},
            "commonAnnotations": {"message": message},
            "externalURL": "https://alertmanager.example.com",
            "version": "4",
            "groupKey": '{}:{alertname="BenchDiskFull"}',
            "truncatedAlerts": 0,
        }
    )


def bodies(count: int, per_request: int, message: str = NO_CASE) -> list[bytes]:
    run = uuid.uuid4().hex[:8]
    return [
        notification(
            [alert(run, i * per_request + j, message) for j in range(per_request)], message
        )
        for i in range(count)
    ]


def request_bytes(body: bytes) -> bytes:
    head = (
        "POST /webhooks/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


# -- the load generator --------------------------------------------------------------------


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> int:
        self.writer.write(request)
        status = int((await self.reader.readline()).split(b" ", 2)[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


@dataclass
class Result:
    alerts: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.alerts / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def closed_loop(
    port: int, requests: list[bytes], per_request: int, connections: int, limit_s: float
) -> Result:
    latencies: list[float] = []
    errors = 0
    it = iter(requests)
    deadline = time.perf_counter() + limit_s

    async def worker() -> None:
        nonlocal errors
        conn = await Connection.open(port)
        try:
            for request in it:
                started = time.perf_counter()
                if await conn.send(request) != 202:
                    errors += 1
                latencies.append(time.perf_counter() - started)
                if started > deadline:
                    break
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return Result(len(latencies) * per_request, elapsed, latencies, errors)


async def open_loop(port: int, requests: list[bytes], rate: float) -> Result:
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await Connection.open(port))
    latencies: list[float] = []
    errors = 0

    async def one(request: bytes, scheduled: float) -> None:
        nonlocal errors
        conn = await pool.get()
        try:
            if await conn.send(request) != 202:
                errors += 1
        finally:
            pool.put_nowait(conn)
        latencies.append(time.perf_counter() - scheduled)

    tasks = []
    start = time.perf_counter()
    for i, request in enumerate(requests):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(request, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    return Result(len(requests), elapsed, latencies, errors)


# -- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(
    command: Sequence[str], port: int, env: dict[str, str], *, cwd: Path = ROOT
) -> Iterator[None]:
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        with suppress(OSError):
            os.sched_setaffinity(process.pid, {0})
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            time.sleep(0.05)
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def casebot_command(port: int, url: str) -> list[str]:
    """`casebot serve`, run through its own module (other subcommands are not imported)."""
    code = (
        "import argparse, sys, bot.cli.serve as s; "
        "p = argparse.ArgumentParser(); s.register(p.add_subparsers()); "
        "a = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))"
    )
    return [
        sys.executable, "-c", code, "serve", "--port", str(port),
        "--database-url", url, "--log-level", "warning",
    ]  # fmt: skip


def bare_command(port: int) -> list[str]:
    code = (
        "import uvicorn, bench.ingest as b; "
        f"uvicorn.run(b.bare_app(), host='127.0.0.1', port={port}, log_level='warning', "
        "access_log=False)"
    )
    return [sys.executable, "-c", code]


def prepare_database(url: str) -> None:
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.services.projects import ProjectService

    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            ProjectService(conn, now=datetime.now(UTC)).create(
                name="Bench", key="BENCH", handle="bench"
            )
    finally:
        engine.dispose()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str | None]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(server_url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"casebot_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        print(f"(PostgreSQL skipped: {error.__class__.__name__}: {error})")
        admin.dispose()
        yield None
        return
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- the run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    single: int
    batches: int
    paced_seconds: float


def measure(port: int, plan: Plan, *, cases: bool) -> dict[str, Result]:
    """The three workloads on alerts that open no case; with `cases`, also single and
    batched on alerts that each open a case."""
    # Warm up (imports, statement caches, connections) before anything is recorded.
    warm = [request_bytes(b) for b in bodies(300, 1)]
    asyncio.run(closed_loop(port, warm, 1, 8, 30))
    results = {}
    runs = [("", NO_CASE)] + ([(" (each opens a case)", OPENS_CASE)] if cases else [])
    for label, message in runs:
        single = [request_bytes(b) for b in bodies(plan.single, 1, message)]
        results["single" + label] = asyncio.run(closed_loop(port, single, 1, 32, 60))
        # Opening a case is far slower than storing an alert: fewer of those.
        count = plan.batches if not label else max(plan.batches // 5, 4)
        batched = [request_bytes(b) for b in bodies(count, 100, message)]
        results["batched" + label] = asyncio.run(closed_loop(port, batched, 100, 8, 60))
        if not label:
            paced = [request_bytes(b) for b in bodies(int(1000 * plan.paced_seconds), 1)]
            results["paced 1,000/s"] = asyncio.run(open_loop(port, paced, 1000))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CASEBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL server to create a throwaway database on ('' to skip)",
    )
    parser.add_argument(
        "--only",
        choices=["sqlite", "postgres"],
        help="measure casebot on this database only (the baseline always runs)",
    )
    args = parser.parse_args()
    plan = Plan(2000, 40, 2.0) if args.quick else Plan(15000, 300, 5.0)
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        with suppress(OSError):
            os.sched_setaffinity(0, {1})
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEBOT_")}
    env["CASEBOT_WEBHOOK_TOKEN"] = TOKEN
    env["PYTHONPATH"] = str(ROOT)

    rows: list[tuple[str, str, Result]] = []
    port = free_port()
    with server(bare_command(port), port, env):
        bare = measure(port, plan, cases=False)
    rows += [("bare Starlette (parse only)", w, r) for w, r in bare.items()]

    if args.only != "postgres":
        rows += [("casebot, SQLite", w, r) for w, r in run_sqlite(plan, env).items()]
    if args.only != "sqlite" and args.postgres_url:
        rows += [
            ("casebot, PostgreSQL", w, r)
            for w, r in run_postgres(args.postgres_url, plan, env).items()
        ]

    print_table(rows, bare)
    return 0


def run_sqlite(plan: Plan, env: dict[str, str]) -> dict[str, Result]:
    with tempfile.TemporaryDirectory(prefix="casebot-bench-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        prepare_database(url)
        port = free_port()
        with server(casebot_command(port, url), port, env):
            return measure(port, plan, cases=True)


def run_postgres(server_url: str, plan: Plan, env: dict[str, str]) -> dict[str, Result]:
    with postgres_database(server_url) as url:
        if url is None:
            return {}
        prepare_database(url)
        port = free_port()
        with server(casebot_command(port, url), port, env):
            return measure(port, plan, cases=True)


def print_table(rows: list[tuple[str, str, Result]], bare: dict[str, Result]) -> None:
    print(f"\nIngest on 127.0.0.1, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print("| server | workload | alerts/s | p50 ms | p99 ms | errors | alerts/s vs bare |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, workload, result in rows:
        base = bare.get(workload.split(" (")[0])
        ratio = "—"
        if base and not name.startswith("bare") and not workload.startswith("paced"):
            ratio = f"{result.rate / base.rate:.2f}×"
        print(
            f"| {name} | {workload} | {result.rate:,.0f} | {result.percentile(0.50):.1f} | "
            f"{result.percentile(0.99):.1f} | {result.errors} | {ratio} |"
        )
    print("\npaced: 1,000 alerts/s offered, latency from the scheduled send time.")


if __name__ == "__main__":
    sys.exit(main())
