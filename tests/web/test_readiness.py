"""`GET /readyz`: 200 when the database answers, its schema is at this version's heads
and the writer takes deliveries; 503 with the reason otherwise, while `/healthz`
(the process is alive) stays 200."""

from __future__ import annotations

import time

import httpx
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from bot.db.migrate import alembic_config, shipped_heads
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.monitoring import READY_DATABASE_SECONDS
from tests import local_http
from tests.databases import postgres_database, postgres_server_url
from tests.fakes.tcp_proxy import tcp_proxy
from tests.web.server import WEBHOOK_TOKEN, running


def test_readyz_answers_503_while_the_schema_is_not_this_versions(
    engine: Engine, migrated_database_url: str
) -> None:
    settings = Settings(database_url=migrated_database_url, webhook_token=WEBHOOK_TOKEN)
    with running(create_app(settings)) as url:
        ready = local_http.get(f"{url}/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})

        behind = _one_migration_behind()
        _stamp(engine, behind)
        answer = local_http.get(f"{url}/readyz")
        health = local_http.get(f"{url}/healthz")

        _stamp(engine, sorted(shipped_heads()))
        again = local_http.get(f"{url}/readyz")

    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "1"
    expected = ", ".join(sorted(shipped_heads()))
    assert answer.json() == {
        "status": "unavailable",
        "migrations": f"database at {', '.join(sorted(behind))}; this version expects {expected}",
    }
    assert health.status_code == 200
    assert again.status_code == 200, again.text


@pytest.mark.postgres
def test_readyz_answers_503_while_the_database_is_unreachable() -> None:
    server = postgres_server_url()
    if server is None:
        pytest.skip("CASEBOT_TEST_POSTGRES_URL is not set")
    with postgres_database(server) as database:
        upstream = (database.host or "127.0.0.1", database.port or 5432)
        with tcp_proxy(upstream) as proxy:
            through = database.set(host="127.0.0.1", port=proxy.port)
            settings = Settings(
                database_url=through.render_as_string(hide_password=False),
                webhook_token=WEBHOOK_TOKEN,
            )
            with running(create_app(settings)) as url:
                ready = local_http.get(f"{url}/readyz")
                proxy.hold()
                hung = [_timed(f"{url}/readyz") for _ in range(2)]
                proxy.release()
                proxy.cut()
                started = time.monotonic()
                cut_off = local_http.get(f"{url}/readyz", timeout=30)
                waited = time.monotonic() - started
                health = local_http.get(f"{url}/healthz")
                proxy.mend()
                again = _ready_again(url)

    assert ready.status_code == 200, ready.text
    # A database that hangs: answered after the bound, the same for a second probe.
    for answer, seconds in hung:
        assert answer.status_code == 503, answer.text
        assert answer.json() == {"status": "unavailable", "database": "no answer within 2 s"}
        assert READY_DATABASE_SECONDS - 0.1 <= seconds < READY_DATABASE_SECONDS + 2
    assert cut_off.status_code == 503, cut_off.text
    assert cut_off.json() == {"status": "unavailable", "database": "unreachable"}
    assert waited < READY_DATABASE_SECONDS + 2
    assert health.status_code == 200
    assert again.status_code == 200, again.text


def _one_migration_behind() -> list[str]:
    """The shipped heads with the newest one replaced by the revision before it."""
    script = ScriptDirectory.from_config(alembic_config())
    newest = script.get_revision(max(shipped_heads()))
    assert newest is not None and isinstance(newest.down_revision, str)
    return sorted((shipped_heads() - {newest.revision}) | {newest.down_revision})


def _stamp(engine: Engine, revisions: list[str]) -> None:
    """Set the revisions the database says it is at, touching no table."""
    with engine.begin() as conn:
        command.stamp(alembic_config(conn), revisions, purge=True)


def _timed(url: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = local_http.get(url, timeout=30)
    return answer, time.monotonic() - started


def _ready_again(url: str) -> httpx.Response:
    """/readyz once the database is back (the pool drops the connections that were cut)."""
    deadline = time.monotonic() + 20
    while True:
        answer = local_http.get(f"{url}/readyz", timeout=30)
        if answer.status_code == 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)
