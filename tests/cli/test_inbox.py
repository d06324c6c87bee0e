"""Nothing lost: a delivery that fails after acceptance stays in the inbox, and
`casebot inbox list|retry` show and replay it."""

from __future__ import annotations

import json
import threading

import pytest
from freezegun import freeze_time
from sqlalchemy import Connection, Engine

from bot.cli import main
from bot.core.cases import CaseEvent
from bot.settings import Settings
from bot.web.app import create_app
from tests import local_http
from tests.engine.builders import add_project, case_rows, generic_body, inbox_rows
from tests.web.server import running

TOKEN = "inbox-test-token-0123456789"


class BrokenOutbox:
    """A case listener whose store is down: every case change fails."""

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        raise RuntimeError("outbox unavailable")


@pytest.fixture
def failed_delivery(engine: Engine, migrated_database_url: str) -> int:
    add_project(engine)
    settings = Settings(database_url=migrated_database_url, webhook_token=TOKEN)
    app = create_app(settings, case_listeners=[BrokenOutbox()])
    with running(app) as url:
        response = local_http.post(
            f"{url}/webhooks/generic",
            content=generic_body(delivery_id="d-1"),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 202
    assert response.json()["outcome"] == "failed"
    inbox_id: int = response.json()["inbox_id"]
    return inbox_id


def test_failed_delivery_is_kept_with_its_error(engine: Engine, failed_delivery: int) -> None:
    (row,) = inbox_rows(engine)
    assert (row.id, row.outcome) == (failed_delivery, "failed")
    assert "outbox unavailable" in row.reason
    assert row.body == generic_body(delivery_id="d-1")
    assert case_rows(engine) == []


def test_inbox_list_shows_it(
    failed_delivery: int, migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inbox", "list", "--database-url", migrated_database_url]) == 0
    out = capsys.readouterr().out
    assert f"#{failed_delivery}" in out
    assert "failed" in out and "outbox unavailable" in out
    args = ["inbox", "list", "--outcome", "failed", "--format", "json"]
    assert main([*args, "--database-url", migrated_database_url]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert (item["id"], item["outcome"]) == (failed_delivery, "failed")


@freeze_time("2026-11-20T09:30:00Z")
def test_inbox_retry_replays_it_once(
    engine: Engine,
    failed_delivery: int,
    migrated_database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["inbox", "retry", "--database-url", migrated_database_url]) == 0
    assert f"#{failed_delivery}: processed (opened OPS-1)" in capsys.readouterr().out
    (row,) = inbox_rows(engine)
    assert row.outcome == "processed"
    (case,) = case_rows(engine)
    assert case.key == "OPS-1"
    assert case.created_at.isoformat() == "2026-11-20T09:30:00+00:00"
    # A second retry finds nothing to do, and naming the processed delivery is refused.
    assert main(["inbox", "retry", "--database-url", migrated_database_url]) == 0
    assert "No failed deliveries." in capsys.readouterr().out
    retry_one = ["inbox", "retry", str(failed_delivery), "--database-url", migrated_database_url]
    assert main(retry_one) == 1
    assert "only failed deliveries are retried" in capsys.readouterr().err
    assert len(case_rows(engine)) == 1


def test_retry_of_unknown_id(
    migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inbox", "retry", "999", "--database-url", migrated_database_url]) == 1
    assert "no delivery #999" in capsys.readouterr().err


class PoisonedOutbox:
    """Fails only for cases of one monitor group: every other change goes through."""

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        if "host:poison" in event.case.title:
            raise RuntimeError("outbox refuses host:poison")


def test_one_failing_delivery_does_not_take_the_others_with_it(
    engine: Engine, migrated_database_url: str
) -> None:
    add_project(engine)
    settings = Settings(database_url=migrated_database_url, webhook_token=TOKEN)
    app = create_app(settings, case_listeners=[PoisonedOutbox()])
    hosts = ["poison", *(f"web-{n}" for n in range(9))]
    results: dict[str, dict[str, object]] = {}

    def send(host: str) -> None:
        body = generic_body(group=(f"host:{host}",), delivery_id=host)
        response = local_http.post(
            f"{url}/webhooks/generic",
            content=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        results[host] = response.json()

    with running(app) as url:
        threads = [threading.Thread(target=send, args=(host,)) for host in hosts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert results["poison"]["outcome"] == "failed"
    assert all(results[h]["outcome"] == "processed" for h in hosts if h != "poison")
    assert len(case_rows(engine)) == 9
    outcomes = sorted(row.outcome for row in inbox_rows(engine))
    assert outcomes == ["failed"] + ["processed"] * 9
