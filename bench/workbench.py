"""The message workbench: one keystroke's preview of a 4 KB monitor message.

A keystroke in the workbench posts the whole form (`POST /workbench/preview`, as
htmx sends it) and swaps in the answer: every transition rendered with the
handles that fire, lint's diagnostics with the projects' handles, the text as
Slack shows it. Measured, one request at a time on one keep-alive connection (a
person typing), p50/p99, in the same run:

- `handles, in process`: the raw call the page is built on
  (`bot.services.messages.preview_message` with the projects' handles known), no
  HTTP: the floor;
- `bare Starlette`: a fixed answer of the preview's size to a POST of the same
  form under the same uvicorn: the cost of HTTP alone;
- `casebot, SQLite`: the real endpoint, signed in (the session and the projects
  are read per request), 20 projects in the database.

Each request's message differs from the one before by one typed character, as
typing makes it (nothing is cached by text between keystrokes). Target: p99 < 50 ms.
The server is pinned to CPU 0 and this client to CPU 1 when the machine has two.
Usage: `python bench/workbench.py [--quick]`.
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
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import (  # noqa: E402  (the repository root is put on the path first)
    TOKEN,
    Connection,
    casebot_command,
    free_port,
    server,
)

MESSAGE_BYTES = 4096
PREVIEW_BYTES = 24_000  # about what the preview of a 4 KB message weighs
BLOCK = """{{#is_alert}}Disk usage on {{host.name}} is {{value}}% (threshold {{threshold}}).
@case-storage @slack-storage-oncall
Runbook: <https://wiki.example.com/storage/disk|the disk runbook>
{{/is_alert}}
{{#is_warning}}Disk usage on {{host.name}} is climbing: {{value}}%. @slack-storage{{/is_warning}}
{{#is_recovery}}Disk usage on {{host.name}} is back to {{value}}%. @case-storage{{/is_recovery}}
{{^is_renotify}}First notice for {{env.name}}.{{/is_renotify}}
{{#is_match "env.name" "prod"}}Production: page @pagerduty-storage and @case-stroage{{/is_match}}
"""


def message(size: int = MESSAGE_BYTES) -> str:
    """A message of `size` characters: whole blocks (6 conditionals each, a misspelt
    handle among them), then plain text."""
    text = ""
    while len(text) + len(BLOCK) <= size:
        text += BLOCK
    filler = "Notes for whoever is on call. "
    return (text + filler * (1 + (size - len(text)) // len(filler)))[:size]


def keystrokes(count: int) -> list[str]:
    """`count` successive texts, each one typed character longer."""
    base = message()
    typed = "the quick brown fox jumps over the lazy dog "
    return [base + (typed * (1 + n // len(typed)))[:n] for n in range(1, count + 1)]


# -- the baselines -----------------------------------------------------------------------------


def bare_app() -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    html = "<div id='preview'>" + "<p>row</p>" * (PREVIEW_BYTES // 10) + "</div>"

    async def page(request: Request) -> HTMLResponse:
        await request.form()
        return HTMLResponse(html)

    return Starlette(routes=[Route("/workbench/preview", page, methods=["POST"])])


def bare_command(port: int) -> list[str]:
    code = (
        "import uvicorn, bench.workbench as b; "
        f"uvicorn.run(b.bare_app(), host='127.0.0.1', port={port}, log_level='warning', "
        "access_log=False)"
    )
    return [sys.executable, "-c", code]


@dataclass
class Result:
    latencies: list[float]
    errors: int = 0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def in_process(texts: list[str]) -> Result:
    from bot.services.messages import ProjectHandles, preview_message

    projects = ProjectHandles(tuple(f"@case-{name}" for name in project_names()))
    for text in texts[:20]:
        preview_message(text, projects=projects)
    latencies = []
    for text in texts:
        started = time.perf_counter()
        preview_message(text, projects=projects)
        latencies.append(time.perf_counter() - started)
    return Result(latencies)


def project_names() -> list[str]:
    return ["storage", *(f"team-{n}" for n in range(19))]


# -- casebot ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visitor:
    cookie: str
    csrf: str


def prepare_database(url: str) -> Visitor:
    """Migrate; 20 projects; a viewer signed in (every role may use the workbench)."""
    from bot.core.accounts import SessionLimits
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.services.accounts import AccountService
    from bot.services.projects import ProjectService
    from bot.services.sessions import SessionKeys, SessionService, console_secret, session_hash

    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            now = datetime.now(UTC)
            for n, name in enumerate(project_names()):
                ProjectService(conn, now=now).create(name=name, key=f"P{n}", handle=name)
            account = AccountService(conn, now=now).add(
                email="bench@example.com", name="Bench Viewer", role="viewer",
                password="bench password 0123456789",
            )  # fmt: skip
            session_id = SessionService(conn, now=now, limits=SessionLimits()).start(
                account.user_id, address="127.0.0.1"
            )
        keys = SessionKeys(console_secret(engine))
    finally:
        engine.dispose()
    return Visitor(keys.cookie_value(session_id), keys.csrf_token(session_hash(session_id)))


def keystroke(cookie: str, csrf: str, text: str) -> bytes:
    body = urlencode(
        {"csrf_token": csrf, "message": text, "tags": "", "variables": "", "priority": ""}
    ).encode()
    lines = [
        "POST /workbench/preview HTTP/1.1", "Host: 127.0.0.1", "HX-Request: true",
        "Content-Type: application/x-www-form-urlencoded",
        f"Cookie: casebot_session={cookie}", f"Content-Length: {len(body)}",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def one_at_a_time(port: int, requests: list[bytes]) -> Result:
    conn = await Connection.open(port)
    result = Result([])
    try:
        for request in requests:
            started = time.perf_counter()
            if await conn.send(request) != 200:
                result.errors += 1
            result.latencies.append(time.perf_counter() - started)
    finally:
        conn.close()
    return result


def over_http(port: int, requests: list[bytes]) -> Result:
    asyncio.run(one_at_a_time(port, requests[:20]))  # warm up
    return asyncio.run(one_at_a_time(port, requests))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    args = parser.parse_args()
    count = 100 if args.quick else 1000
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        with suppress(OSError):
            os.sched_setaffinity(0, {1})
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEBOT_")}
    env["CASEBOT_WEBHOOK_TOKEN"] = TOKEN
    env["PYTHONPATH"] = str(ROOT)
    texts = keystrokes(count)
    print(f"(a message of {len(texts[0])} characters, {count} keystrokes)", flush=True)

    rows = [("handles, in process", "preview_message", in_process(texts))]
    port = free_port()
    with server(bare_command(port), port, env):
        bare = over_http(port, [keystroke("x", "x", text) for text in texts])
    rows.append(("bare Starlette", "fixed answer", bare))
    with tempfile.TemporaryDirectory(prefix="casebot-bench-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        visitor = prepare_database(url)
        port = free_port()
        with server(casebot_command(port, url), port, env):
            requests = [keystroke(visitor.cookie, visitor.csrf, text) for text in texts]
            rows.append(("casebot, SQLite", "POST /workbench/preview", over_http(port, requests)))
    print(f"{'what':22} {'call':24} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for label, call, result in rows:
        print(
            f"{label:22} {call:24} {len(result.latencies):8d} {result.percentile(0.5):8.2f} "
            f"{result.percentile(0.99):8.2f} {result.errors:6d}"
        )
    return 0 if all(result.errors == 0 for _, _, result in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
