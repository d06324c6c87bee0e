"""The console: page latency with 10,000 cases, beside a bare Starlette page.

Starts real servers as subprocesses (uvicorn, as `casebot serve` runs it) and
asks for each page from this process, one request at a time on one keep-alive
connection (a person at a browser), recording p50/p99:

- a bare Starlette page under the same uvicorn: a fixed HTML answer of the size
  of the case list (the baseline, measured in the same run);
- casebot on SQLite (a fresh file) and, when a PostgreSQL server is reachable, on
  a fresh PostgreSQL database, each with 10,000 cases in two projects (mixed
  statuses, priorities, assignees and attributes; a timeline of a few entries
  each), signed in as a responder:
  - `list`: `GET /cases` (the default view: newest first, 50 a page, the count);
  - `list search`: `GET /cases?q=status:open priority:(P1 OR P2) "disk" -team:web`
    (the query language; matched in Python over the narrowed candidates);
  - `case page`: `GET /cases/BENCH-3750` (a case with its timeline);
  - `new case`: `GET /cases/new` (the form), and `new case submit`: the form
    posted (a new case, its timeline entry, the listeners, the redirect).

Target: p99 < 100 ms for every page. The server process is pinned to CPU 0 and
this client to CPU 1 when the machine has two. Usage:
`python bench/web.py [--quick] [--cases N] [--postgres-url URL] [--only sqlite|postgres]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

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

SEARCH = 'status:open priority:(P1 OR P2) "disk" -team:web'
PAGE_BYTES = 40_000  # about what the default case list weighs


# -- the baseline --------------------------------------------------------------------------


def bare_app() -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    html = "<!doctype html><title>bare</title>" + "<p>row</p>" * (PAGE_BYTES // 10)

    async def page(_request: Request) -> HTMLResponse:
        return HTMLResponse(html)

    return Starlette(routes=[Route("/bare", page, methods=["GET"])])


def bare_command(port: int) -> list[str]:
    code = (
        "import uvicorn, bench.web as b; "
        f"uvicorn.run(b.bare_app(), host='127.0.0.1', port={port}, log_level='warning', "
        "access_log=False)"
    )
    return [sys.executable, "-c", code]


# -- the database -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Visitor:
    cookie: str
    csrf: str


def prepare_database(url: str, cases: int) -> Visitor:
    """Migrate; two projects with `cases` cases between them; a responder signed in."""
    from bot.core.accounts import SessionLimits
    from bot.core.cases import Actor, ActorSource
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.services.accounts import AccountService
    from bot.services.cases import CaseService
    from bot.services.projects import ProjectService
    from bot.services.sessions import SessionKeys, SessionService, console_secret, session_hash
    from bot.services.users import UserService

    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(days=90)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            now = datetime.now(UTC)
            projects = [
                ProjectService(conn, now=now).create(name="Bench", key="BENCH", handle="bench"),
                ProjectService(conn, now=now).create(name="Web", key="WEB", handle="web"),
            ]
            account = AccountService(conn, now=now).add(
                email="bench@example.com", name="Bench Responder", role="responder",
                password="bench password 0123456789",
            )  # fmt: skip
            people = [account.user_id] + [
                UserService(conn, now=now).ensure(name=f"Person {n}", slack_user_id=f"U{n:05d}").id
                for n in range(20)
            ]
            session_id = SessionService(conn, now=now, limits=SessionLimits()).start(
                account.user_id, address="127.0.0.1"
            )
        words = ["disk", "latency", "errors", "cpu", "memory", "queue", "certificate"]
        actor = Actor(ActorSource.API, None, "bench")
        batch = 500
        for first in range(0, cases, batch):
            with engine.begin() as conn:
                for n in range(first, min(cases, first + batch)):
                    at = start + timedelta(minutes=13 * n)
                    service = CaseService(conn, now=at)
                    project = projects[0] if n % 4 else projects[1]
                    case = service.create_case(
                        project=project,
                        title=f"{rng.choice(words).title()} trouble on host-{n % 97}",
                        description=f"Seen by the {rng.choice(words)} monitor.",
                        priority=rng.choice(["P1", "P2", "P3", "P4", "NOT_DEFINED"]),
                        attributes={"team": [rng.choice(["web", "storage", "core"])]},
                        actor=actor,
                    )
                    if n % 3 == 0:
                        service.assign(case, rng.choice(people), actor=actor)
                    if n % 2 == 0:
                        service.set_status(case, rng.choice(["IN_PROGRESS", "CLOSED"]), actor=actor)
                    service.comment(case, "Looking into it.", actor=actor)
        keys = SessionKeys(console_secret(engine))
    finally:
        engine.dispose()
    return Visitor(keys.cookie_value(session_id), keys.csrf_token(session_hash(session_id)))


# -- requests and the load ----------------------------------------------------------------


def get_request(path: str, cookie: str = "") -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Accept: text/html"]
    if cookie:
        lines.append(f"Cookie: casebot_session={cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post_form(path: str, cookie: str, fields: dict[str, str]) -> bytes:
    body = urlencode(fields).encode()
    lines = [
        f"POST {path} HTTP/1.1", "Host: 127.0.0.1",
        "Content-Type: application/x-www-form-urlencoded",
        f"Cookie: casebot_session={cookie}", f"Content-Length: {len(body)}",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Result:
    latencies: list[float]
    errors: int

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def one_at_a_time(port: int, requests: list[bytes], expect: int) -> Result:
    conn = await Connection.open(port)
    latencies: list[float] = []
    errors = 0
    try:
        for request in requests:
            started = time.perf_counter()
            if await conn.send(request) != expect:
                errors += 1
            latencies.append(time.perf_counter() - started)
    finally:
        conn.close()
    return Result(latencies, errors)


def measure(port: int, visitor: Visitor, count: int, case_key: str) -> dict[str, Result]:
    cookie = visitor.cookie
    pages = {
        "list": (get_request("/cases", cookie), 200),
        "list search": (get_request("/cases?q=" + quote(SEARCH), cookie), 200),
        "case page": (get_request(f"/cases/{case_key}", cookie), 200),
        "new case": (get_request("/cases/new", cookie), 200),
    }
    results = {}
    for name, (request, expect) in pages.items():
        asyncio.run(one_at_a_time(port, [request] * 20, expect))  # warm up
        results[name] = asyncio.run(one_at_a_time(port, [request] * count, expect))
    fields = {
        "csrf_token": visitor.csrf, "project": "BENCH", "type": "STANDARD",
        "title": "Disk full on web-1", "description": "From the bench.", "priority": "P2",
    }  # fmt: skip
    submit = post_form("/cases/new", cookie, fields)
    results["new case submit"] = asyncio.run(one_at_a_time(port, [submit] * count, 303))
    return results


def run_casebot(url: str, cases: int, count: int, env: dict[str, str]) -> dict[str, Result]:
    started = time.perf_counter()
    visitor = prepare_database(url, cases)
    print(f"(prepared {cases} cases in {time.perf_counter() - started:.0f} s)", flush=True)
    port = free_port()
    with server(casebot_command(port, url), port, env):
        # Three cases in four are BENCH's: this one is about in the middle.
        return measure(port, visitor, count, f"BENCH-{cases * 3 // 8}")


def print_table(rows: list[tuple[str, str, Result]]) -> None:
    print(f"{'server':22} {'page':17} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for label, page, result in rows:
        print(
            f"{label:22} {page:17} {len(result.latencies):8d} {result.percentile(0.5):8.1f} "
            f"{result.percentile(0.99):8.1f} {result.errors:6d}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    parser.add_argument("--cases", type=int, default=10_000, help="cases in the database")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CASEBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL server to create a throwaway database on ('' to skip)",
    )
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    count = 50 if args.quick else 400
    cases = min(args.cases, 1000) if args.quick else args.cases
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        with suppress(OSError):
            os.sched_setaffinity(0, {1})
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEBOT_")}
    env["CASEBOT_WEBHOOK_TOKEN"] = TOKEN
    env["PYTHONPATH"] = str(ROOT)

    rows: list[tuple[str, str, Result]] = []
    port = free_port()
    with server(bare_command(port), port, env):
        asyncio.run(one_at_a_time(port, [get_request("/bare")] * 20, 200))
        bare = asyncio.run(one_at_a_time(port, [get_request("/bare")] * count, 200))
    rows.append(("bare Starlette", "fixed page", bare))
    if args.only != "postgres":
        with tempfile.TemporaryDirectory(prefix="casebot-bench-") as scratch:
            url = f"sqlite:///{Path(scratch) / 'bench.db'}"
            rows += [
                ("casebot, SQLite", p, r) for p, r in run_casebot(url, cases, count, env).items()
            ]
    if args.only != "sqlite" and args.postgres_url:
        with postgres_database(args.postgres_url) as pg_url:
            if pg_url is not None:
                rows += [
                    ("casebot, PostgreSQL", p, r)
                    for p, r in run_casebot(pg_url, cases, count, env).items()
                ]
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
