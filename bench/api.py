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

With `--compare REV`, the commit REV (checked out in a temporary `git worktree`, run
with this interpreter) is measured beside the working tree, in turns (old, new, old,
new, ... `--rounds` times on each database; each figure is the median of its rounds),
and the table adds new / old.

The server process is pinned to CPU 0 and this load generator to CPU 1 when the
machine has two. Usage: `python bench/api.py [--quick] [--postgres-url URL]
[--compare REV [--rounds N]]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
    from bot.core.cases import Actor
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.services import keys as api_keys
    from bot.services.cases import CaseService
    from bot.services.projects import ProjectService

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


def prepare_in(tree: Path, url: str, env: dict[str, str]) -> dict[str, str]:
    """`prepare_database(url)` as the code in `tree` does it (its schema, its services)."""
    code = "import sys, json, bench.api as b; print(json.dumps(b.prepare_database(sys.argv[1])))"
    tree_env = {**env, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", code, url],
        cwd=tree, env=tree_env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    headers: dict[str, str] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return headers


def run_casebot(tree: Path, url: str, plan: Plan, env: dict[str, str]) -> dict[str, Result]:
    """Serve the code in `tree` on the database `url` (prepared by that code) and measure it."""
    headers = prepare_in(tree, url, env)
    port = free_port()
    get = get_request("/api/v2/cases/BENCH-1", headers)
    create = post_request("/api/v2/cases", headers, CREATE_BODY)
    with server(casebot_command(port, url), port, {**env, "PYTHONPATH": str(tree)}, cwd=tree):
        return measure(port, plan, get, create)


@contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """The commit `rev`, checked out in a temporary git worktree (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="casebot-bench-old-") as scratch:
        path = Path(scratch) / "tree"
        git = ["git", "-C", str(ROOT)]
        subprocess.run([*git, "worktree", "add", "--detach", str(path), rev], check=True,
                       capture_output=True)  # fmt: skip
        try:
            yield path
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(path)], check=False,
                           capture_output=True)  # fmt: skip


@contextmanager
def database(kind: str, postgres_url: str) -> Iterator[str | None]:
    """A fresh database of `kind` (sqlite or postgres), dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="casebot-bench-") as scratch:
            yield f"sqlite:///{Path(scratch) / 'bench.db'}"
        return
    with postgres_database(postgres_url) as url:
        yield url


def median_result(results: list[Result]) -> Result:
    """The round with the median rate (its latencies and errors as measured)."""
    ordered = sorted(results, key=lambda result: result.rate)
    return ordered[(len(ordered) - 1) // 2]


def measure_trees(
    trees: dict[str, Path], kind: str, postgres_url: str, plan: Plan, env: dict[str, str],
    rounds: int,
) -> dict[str, dict[str, Result]]:  # fmt: skip
    """tree label -> workload -> median result, the trees measured in turns, each round on
    a fresh database."""
    runs: dict[str, dict[str, list[Result]]] = {label: {} for label in trees}
    for _ in range(rounds):
        for label, tree in trees.items():
            with database(kind, postgres_url) as url:
                if url is None:
                    return {}
                for workload, result in run_casebot(tree, url, plan, env).items():
                    runs[label].setdefault(workload, []).append(result)
    return {
        label: {workload: median_result(results) for workload, results in by_workload.items()}
        for label, by_workload in runs.items()
    }


# -- the run --------------------------------------------------------------------------------


def print_table(rows: list[tuple[str, str, Result]], baseline: dict[str, Result]) -> None:
    print()
    print(f"{'server':<30} {'workload':<12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6} {'vs bare':>8}")  # fmt: skip
    for name, workload, result in rows:
        ratio = result.rate / baseline[workload].rate
        print(
            f"{name:<30} {workload:<12} {result.rate:>9,.0f} {result.percentile(0.5):>8.2f} "
            f"{result.percentile(0.99):>8.2f} {result.errors:>6} {ratio:>7.0%}"
        )
    print()
    print(f"{CONNECTIONS} keep-alive connections, closed loop; 'vs bare' = casebot req/s / bare "
          "req/s for the same workload (bare GET answers a fixed body; bare POST parses the "
          "create-case JSON).")  # fmt: skip


def print_comparison(old: str, measured: dict[str, dict[str, dict[str, Result]]]) -> None:
    """new / old per database and workload (req/s, p50, p99)."""
    print()
    print(f"new (working tree) vs old ({old}):")
    head = ["old req/s", "new req/s", "new/old", "old p50", "new p50", "old p99", "new p99"]
    print(f"{'database':<12} {'workload':<12} " + " ".join(f"{h:>10}" for h in head))
    for kind, by_tree in measured.items():
        if not by_tree:
            continue
        for workload, before in by_tree["old"].items():
            after = by_tree["new"][workload]
            print(
                f"{kind:<12} {workload:<12} {before.rate:>10,.0f} {after.rate:>10,.0f} "
                f"{after.rate / before.rate:>10.2f} {before.percentile(0.5):>10.2f} "
                f"{after.percentile(0.5):>10.2f} {before.percentile(0.99):>10.2f} "
                f"{after.percentile(0.99):>10.2f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CASEBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL server to create a throwaway database on ('' to skip)",
    )
    parser.add_argument(
        "--compare", metavar="REV", help="also measure this commit, in turns with the working tree"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="turns per tree and database with --compare"
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
    kinds = ["sqlite", "postgres"] if args.postgres_url else ["sqlite"]
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    with worktree(args.compare) if args.compare else _no_tree() as old_tree:
        trees = {"new": ROOT} if old_tree is None else {"old": old_tree, "new": ROOT}
        rounds = args.rounds if old_tree is not None else 1
        measured = {
            kind: measure_trees(trees, kind, args.postgres_url, plan, env, rounds) for kind in kinds
        }
    for kind, by_tree in measured.items():
        for label, results in by_tree.items():
            name = f"casebot, {names[kind]}" + (f" ({label})" if len(trees) > 1 else "")
            rows += [(name, w, r) for w, r in results.items()]
    print_table(rows, bare)
    if args.compare:
        print_comparison(args.compare, measured)
    return 0


@contextmanager
def _no_tree() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    sys.exit(main())
