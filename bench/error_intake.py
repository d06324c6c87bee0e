"""Error-tracking intake: the cost of recording one occurrence, on SQLite (a fresh file).

Each row is one transaction through `IssueService.record`, as
`POST /api/v2/error-tracking/events` runs it (without HTTP):

- baseline: an occurrence of an issue that already exists (update + insert);
- a new issue with no rules;
- a new issue with 1,000 rules, compiled set cached (the usual case);
- a new issue with 1,000 rules right after a rule change (read and compile again);
- a new issue whose matching rule auto-creates a case (case, links, timeline).

    .venv/bin/python bench/error_intake.py [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, insert, text

from bot.core.cases import Actor, ActorSource
from bot.db.engine import make_engine, normalize_url
from bot.db.error_tracking import error_tracking_rules
from bot.db.migrate import upgrade
from bot.errortracking import AutomationRules, ErrorEvent, IssueService, with_issue_sync
from bot.services.projects import ProjectService

ACTOR = Actor(ActorSource.API, None, "bench")
LISTENERS = with_issue_sync(())
RULES = 1000


def _now() -> datetime:
    return datetime.now(UTC)


def record(engine: Engine, event: ErrorEvent) -> None:
    with engine.begin() as conn:
        IssueService(conn, now=_now(), listeners=LISTENERS).record(event, actor=ACTOR)


def timed(runs: int, step: Callable[[int], None]) -> list[float]:
    times = []
    for n in range(runs):
        start = time.perf_counter()
        step(n)
        times.append((time.perf_counter() - start) * 1000)
    return times


def add_rules(engine: Engine) -> None:
    """1,000 rules (inserted at once), then one change through the service to mark a revision."""
    now = _now()
    with engine.begin() as conn:
        project = ProjectService(conn, now=now).get("OPS").id
        rows = [
            {
                "id": uuid.uuid4(),
                "query": f"service:svc-{i} team:team-{i % 40}",
                "project_id": project,
                "auto_create": False,
                "position": i,
                "created_at": now,
                "modified_at": now,
            }
            for i in range(RULES)
        ]
        conn.execute(insert(error_tracking_rules), rows)
    touch_rules(engine)


def touch_rules(engine: Engine) -> None:
    with engine.begin() as conn:
        rules = AutomationRules(conn, now=_now())
        rules.reorder([rule.id for rule in rules.list()])


def run(url: str, runs: int) -> list[tuple[str, list[float]]]:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        projects = ProjectService(conn, now=_now())
        projects.create(name="Ops", key="OPS", handle="ops", is_error_tracking_default=True)
        projects.create(name="Web", key="WEB", handle="web")
    record(engine, ErrorEvent("svc-1", "Existing"))
    existing = ErrorEvent("svc-1", "Existing")
    rows = [
        ("existing issue (baseline)", timed(runs, lambda n: record(engine, existing))),
        ("new issue, no rules", timed(runs, lambda n: record(engine, ErrorEvent("a", f"N{n}")))),
    ]
    add_rules(engine)
    rows.append(
        (
            f"new issue, {RULES} rules (cached)",
            timed(runs, lambda n: record(engine, ErrorEvent("svc-999", f"C{n}", team="team-39"))),
        )
    )

    def after_change(n: int) -> None:
        touch_rules(engine)
        start = time.perf_counter()
        record(engine, ErrorEvent("svc-999", f"R{n}", team="team-39"))
        recompile.append((time.perf_counter() - start) * 1000)

    recompile: list[float] = []
    for n in range(max(3, runs // 10)):
        after_change(n)
    rows.append((f"new issue, {RULES} rules (just changed)", recompile))
    with engine.begin() as conn:
        AutomationRules(conn, now=_now()).add(
            query="service:auto", project="WEB", auto_create=True, position=0
        )
    auto = timed(runs, lambda n: record(engine, ErrorEvent("auto", f"A{n}")))
    rows.append(("new issue, rule auto-creates a case", auto))
    engine.dispose()
    return rows


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server of `server_url`, dropped afterwards."""
    server = normalize_url(server_url)
    name = f"casebot_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def report(name: str, rows: list[tuple[str, list[float]]], runs: int) -> None:
    base = statistics.median(rows[0][1])
    print(f"\n{name}, {runs} runs per row (one transaction each)")
    print(f"{'case':42} {'median ms':>10} {'p90 ms':>8} {'x baseline':>11}")
    for label, times in rows:
        median = statistics.median(times)
        p90 = sorted(times)[max(0, int(len(times) * 0.9) - 1)]
        print(f"{label:42} {median:10.2f} {p90:8.2f} {median / base:11.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument(
        "--postgres-url", default=None, help="a PostgreSQL server (a fresh database is made)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        report("SQLite", run(f"sqlite:///{directory}/bench.db", args.runs), args.runs)
    if args.postgres_url:
        with postgres_database(args.postgres_url) as url:
            report("PostgreSQL", run(url, args.runs), args.runs)


if __name__ == "__main__":
    main()
