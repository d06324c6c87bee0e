"""Case API: requests/second and latency of create-case and get-case over HTTP on 127.0.0.1.

Starts real servers as subprocesses (uvicorn, as `casebot serve` runs it) and drives
them with a bounded closed-loop load (16 keep-alive connections) from this process:

- a bare Starlette endpoint under the same uvicorn: `GET` answering a fixed JSON body,
  and `POST` parsing the same JSON a create-case request carries and answering 201 —
  the baseline, measured in the same run;
- casebot on SQLite (a fresh file) and, when a PostgreSQL server is reachable, on a
  fresh PostgreSQL database (created and dropped here): `GET /api/v2/cases/BENCH-1`
  (key check, read, JSON:API body) and `POST /api/v2/cases` (key check, parse, new
  case with its key, timeline entry, listeners, commit).

The server process is pinned to CPU 0 and this load generator to CPU 1 when the
machine has two. Usage: `python bench/api.py [--quick] [--postgres-url URL]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import (  # noqa: E402  (the repository root is put on the path first)
    DEFAULT_POSTGRES,
    TOKEN,
    Connection,
    casebot_command,
    free_port,
    postgres_database,
    server,
)

CONNECTIONS = 16
CREATE_BODY = orjson.dumps(
    {
        "data": {
            "type": "case",
            "attributes": {
                "title": "Disk full on web-1",
                "type_id": "00000000-0000-0000-0000-000000000001",
                "priority": "P2",
                "description": "Root filesystem is over 90% full on web-1.",
            },
            "relationships": {"project": {"data": {"id": "BENCH", "type": "project"}}},
        }
    }
)


# -- the baseline server ---------------------------------------------------------------


def bare_app() -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    fixed = orjson.dumps({"data": {"id": "0", "type": "case", "attributes": {"key": "BENCH-1"}}})

    async def get(_request: Request) -> Response:
        return Response(fixed, media_type="application/json")

    async def post(request: Request) -> Response:
        orjson.loads(await request.body())
        return Response(fixed, status_code=201, media_type="application/json")

    return Starlette(
        routes=[
            Route("/bare/{case_id}", get, methods=["GET"]),
            Route("/bare", post, methods=["POST"]),
        ]
    )


def bare_command(port: int) -> list[str]:
    code = (
        "import uvicorn, bench.api as b; "
        f"uvicorn.run(b.bare_app(), host='127.0.0.1', port={port}, log_level='warning', "
        "access_log=False)"
    )
    return [sys.executable, "-c", code]


# -- requests and the load --------------------------------------------------------------


def get_request(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post_request(path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def closed_loop(port: int, request: bytes, count: int, expect: int, limit_s: float) -> Result:
    latencies: list[float] = []
    errors = 0
    remaining = count
    deadline = time.perf_counter() + limit_s

    async def worker() -> None:
        nonlocal errors, remaining
        conn = await Connection.open(port)
        try:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                started = time.perf_counter()
                if await conn.send(request) != expect:
                    errors += 1
                latencies.append(time.perf_counter() - started)
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    return Result(len(latencies), time.perf_counter() - started, latencies, errors)


@dataclass(frozen=True)
class Plan:
    gets: int
    creates: int


def measure(port: int, plan: Plan, get: bytes, create: bytes) -> dict[str, Result]:
    # Warm up (imports, statement caches, connections) before anything is recorded.
    asyncio.run(closed_loop(port, get, 300, 200, 30))
    asyncio.run(closed_loop(port, create, 100, 201, 30))
    return {
        "get-case": asyncio.run(closed_loop(port, get, plan.gets, 200, 30)),
        "create-case": asyncio.run(closed_loop(port, create, plan.creates, 201, 30)),
    }


# -- casebot ------------------------------------------------------------------------------


def prepare_database(url: str) -> dict[str, str]:
    """Migrate, add project BENCH with case BENCH-1, and a key pair; its headers."""
    from bot.case_service import CaseService
    from bot.core.cases import Actor
    from bot.db import api_keys
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.project_service import ProjectService

    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            project = ProjectService(conn, now=now).create(
                name="Bench", key="BENCH", handle="bench"
            )
            CaseService(conn, now=now).create_case(
                project=project, title="Disk full on web-1", actor=Actor.system("bench")
            )
            pair = api_keys.create_key(
                conn, name="bench", scopes=frozenset(api_keys.Scope), now=now
            )
    finally:
        engine.dispose()
    return {"DD-API-KEY": pair.api_key, "DD-APPLICATION-KEY": pair.application_key}


def run_casebot(url: str, plan: Plan, env: dict[str, str]) -> dict[str, Result]:
    headers = prepare_database(url)
    port = free_port()
    get = get_request("/api/v2/cases/BENCH-1", headers)
    create = post_request("/api/v2/cases", headers, CREATE_BODY)
    with server(casebot_command(port, url), port, env):
        return measure(port, plan, get, create)


# -- the run --------------------------------------------------------------------------------


def print_table(rows: list[tuple[str, str, Result]], baseline: dict[str, Result]) -> None:
    print()
    print(f"{'server':<22} {'workload':<12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6} {'vs bare':>8}")  # fmt: skip
    for name, workload, result in rows:
        ratio = result.rate / baseline[workload].rate
        print(
            f"{name:<22} {workload:<12} {result.rate:>9,.0f} {result.percentile(0.5):>8.2f} "
            f"{result.percentile(0.99):>8.2f} {result.errors:>6} {ratio:>7.0%}"
        )
    print()
    print(f"{CONNECTIONS} keep-alive connections, closed loop; 'vs bare' = casebot req/s / bare "
          "req/s for the same workload (bare GET answers a fixed body; bare POST parses the "
          "create-case JSON).")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CASEBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL server to create a throwaway database on ('' to skip)",
    )
    args = parser.parse_args()
    plan = Plan(1500, 500) if args.quick else Plan(10000, 4000)
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        with suppress(OSError):
            os.sched_setaffinity(0, {1})
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEBOT_")}
    env["CASEBOT_WEBHOOK_TOKEN"] = TOKEN
    env["PYTHONPATH"] = str(ROOT)

    port = free_port()
    with server(bare_command(port), port, env):
        bare = measure(
            port, plan, get_request("/bare/BENCH-1", {}), post_request("/bare", {}, CREATE_BODY)
        )
    rows = [("bare Starlette", w, r) for w, r in bare.items()]

    with tempfile.TemporaryDirectory(prefix="casebot-bench-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        rows += [("casebot, SQLite", w, r) for w, r in run_casebot(url, plan, env).items()]
    if args.postgres_url:
        with postgres_database(args.postgres_url) as pg_url:
            if pg_url is not None:
                rows += [
                    ("casebot, PostgreSQL", w, r) for w, r in run_casebot(pg_url, plan, env).items()
                ]
    print_table(rows, bare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
