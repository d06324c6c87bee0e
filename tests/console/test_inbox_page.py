"""`/inbox`: deliveries newest first with what became of them, filters, the raw body on
demand, and an admin's Retry of a failed delivery (nobody else's)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine

from bot.core.cases import CaseEvent
from bot.db.engine import make_engine
from tests.builders import make_project
from tests.console.harness import WEBHOOK_TOKEN, Console, add_account, console
from tests.engine.builders import case_rows, generic_body

AUTH = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}


class Outage:
    """A case listener whose store is down while `down` is set: case changes fail."""

    def __init__(self) -> None:
        self.down = False

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        if self.down:
            raise RuntimeError("outbox unavailable")


@pytest.fixture
def db(migrated_database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_database_url)
    with engine.begin() as conn:
        make_project(conn, name="Operations", key="OPS", handle="ops")
    add_account(migrated_database_url, "ann@example.com", role="admin", name="Ann")
    add_account(migrated_database_url, "rita@example.com", role="responder", name="Rita")
    yield engine
    engine.dispose()


@pytest.fixture
def outage() -> Outage:
    return Outage()


@pytest.fixture
def ann(db: Engine, migrated_database_url: str, outage: Outage) -> Iterator[Console]:
    with console(migrated_database_url, case_listeners=[outage]) as c:
        assert c.sign_in("ann@example.com").status_code == 303
        yield c


def _deliver(c: Console, body: bytes) -> dict[str, object]:
    answer = c.client.post("/webhooks/generic", content=body, headers=AUTH)
    assert answer.status_code in (202, 422), answer.text
    result: dict[str, object] = answer.json()
    return result


def test_deliveries_show_outcomes_cases_and_raw_bodies(ann: Console) -> None:
    _deliver(ann, generic_body("Alert", at="2026-11-20T09:00:00Z", delivery_id="d-1"))
    _deliver(ann, generic_body("Alert", at="2026-11-20T09:00:00Z", delivery_id="d-1"))
    ann.client.post("/webhooks/generic", content=b'{"monitor": {}}', headers=AUTH)
    page = ann.client.get("/inbox").text
    rows = re.findall(r'<tr id="delivery-(\d+)">(.*?)</tr>', page, re.S)
    ids = [int(n) for n, _ in rows]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3  # newest first
    assert "rejected" in rows[0][1] and "monitor.id" in rows[0][1]
    assert "duplicate" in rows[1][1] and f"same delivery id as inbox #{ids[2]}" in rows[1][1]
    assert 'opened <a href="/cases/OPS-1">OPS-1</a>' in rows[2][1]
    assert "Disk full · <code>host:web-1</code>" in rows[2][1]
    only = ann.client.get("/inbox", params={"outcome": "duplicate"}).text
    assert re.findall(r'<tr id="delivery-(\d+)">', only) == [str(ids[1])]
    assert re.findall(r'<tr id="delivery-(\d+)">', ann.client.get(
        "/inbox", params={"source": "datadog"}).text) == []  # fmt: skip
    raw = html.unescape(ann.client.get(f"/inbox/{ids[2]}").text)
    assert '"delivery_id": "d-1"' in raw and "authorization" not in raw.lower()


def test_an_admin_retries_a_failed_delivery(ann: Console, db: Engine, outage: Outage) -> None:
    outage.down = True
    answer = _deliver(ann, generic_body("Alert", at="2026-11-20T09:00:00Z", delivery_id="f-1"))
    assert answer["outcome"] == "failed"
    n = answer["inbox_id"]
    assert case_rows(db) == []
    page = ann.client.get("/inbox", params={"outcome": "failed"}).text
    assert "RuntimeError: outbox unavailable" in page and f'aria-label="Retry #{n}"' in page

    token = ann.csrf("/inbox")
    still = ann.client.post(f"/inbox/{n}/retry", data={"back": "/inbox", "csrf_token": token})
    assert "now=failed" in still.headers["location"]
    outage.down = False
    done = ann.client.post(f"/inbox/{n}/retry", data={"back": "/inbox", "csrf_token": token})
    assert done.headers["location"].startswith(f"/inbox?retried={n}&now=processed")
    shown = ann.client.get(done.headers["location"]).text
    assert f"Retried #{n}: processed (opened OPS-1)." in shown
    assert [row.key for row in case_rows(db)] == ["OPS-1"]
    again = ann.client.post(f"/inbox/{n}/retry", data={"csrf_token": token})
    assert again.status_code == 409 and len(case_rows(db)) == 1


def test_only_admins_retry(db: Engine, migrated_database_url: str, outage: Outage) -> None:
    outage.down = True
    with console(migrated_database_url, case_listeners=[outage]) as rita:
        rita.sign_in("rita@example.com")
        n = _deliver(rita, generic_body("Alert", at="2026-11-20T09:00:00Z"))["inbox_id"]
        outage.down = False
        page = rita.client.get("/inbox").text
        assert "failed" in page and "Retry" not in page
        forged = rita.client.post(f"/inbox/{n}/retry", data={"csrf_token": rita.csrf("/inbox")})
        assert forged.status_code == 403
    assert case_rows(db) == []
