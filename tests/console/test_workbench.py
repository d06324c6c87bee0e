"""`/workbench`: the preview of every transition while one types, lint's diagnostics at
their line and column, and the replay of a monitor's stored deliveries (no side effects)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.db.engine import make_engine
from tests.builders import make_project
from tests.console.harness import WEBHOOK_TOKEN, Console, add_account, console
from tests.engine.builders import case_rows, generic_body, inbox_rows

HTMX = {"HX-Request": "true"}


@pytest.fixture
def db(migrated_database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_database_url)
    with engine.begin() as conn:
        make_project(conn, name="Storage", key="STORAGE", handle="storage")
        make_project(conn, name="Operations", key="OPS", handle="ops")
    add_account(migrated_database_url, "vic@example.com", role="viewer", name="Vic")
    yield engine
    engine.dispose()


@pytest.fixture
def vic(db: Engine, migrated_database_url: str) -> Iterator[Console]:
    """A viewer: the workbench changes nothing, so every role may use it."""
    with console(migrated_database_url) as c:
        assert c.sign_in("vic@example.com").status_code == 303
        yield c


def _preview(c: Console, message: str, **fields: str) -> str:
    answer = c.client.post(
        "/workbench/preview",
        data={"message": message, "csrf_token": c.csrf("/workbench"), **fields},
        headers=HTMX,
    )
    assert answer.status_code == 200
    return answer.text


def _row(html: str, name: str) -> str:
    found = re.search(rf'<tr id="t-{name}">(.*?)</tr>', html, re.S)
    assert found, name
    return found.group(1)


def test_a_typo_is_underlined_at_its_line_and_column_with_the_suggestion(vic: Console) -> None:
    html = _preview(vic, "Disk full.\n{{#is_alrt}}Page @case-stroage{{/is_alrt}}")
    assert '<li id="diag-1" class="lint-error"><span class="where">Line 2, column 1</span>' in html
    assert "did you mean is_alert?" in html
    assert re.search(r'<span class="squiggle lint-error" id="mark-1"[^>]*>\{\{#is_alrt\}\}</span>',
                     html)  # fmt: skip
    # The misspelt handle is checked against the database's projects.
    assert "Line 2, column 18" in html and "did you mean @case-storage?" in html
    assert re.search(r'id="mark-2"[^>]*>@case-stroage</span>', html)
    # The section never shows: no transition fires the handle.
    assert "@case-stroage</code>" not in html


def test_handles_fire_per_transition_in_either_spelling(vic: Console) -> None:
    message = (
        "<<#is_alert>>Disk *full* on {{host.name}} @case-storage<</is_alert>>\n"
        "{{#is_recovery}}Recovered @case-storage{{/is_recovery}}"
    )
    html = _preview(vic, message, tags="host:db-1, env:prod")
    assert "@case-storage</code>" in _row(html, "ok-to-alert")
    assert "Disk <strong>full</strong> on db-1" in _row(html, "ok-to-alert")
    assert "none" in _row(html, "ok-to-warn")
    assert "@case-storage</code>" in _row(html, "alert-to-ok")
    assert 'id="no-problems"' in html


def test_a_handle_without_a_recovery_gets_the_hint(vic: Console) -> None:
    html = _preview(vic, "{{#is_alert}}@case-ops{{/is_alert}}")
    assert "@case-ops is notified when the monitor triggers but not when it recovers" in html
    assert "add @case-ops to a {{#is_recovery}} block as well" in html


def test_a_variable_line_that_cannot_be_read_is_said(vic: Console) -> None:
    html = _preview(vic, "{{value}}", variables="value=93.5\nnot a pair")
    assert "Line 2 is not NAME=VALUE" in html
    assert "93.5" in _row(html, "ok-to-alert")


def test_without_htmx_the_whole_page_comes_back(vic: Console) -> None:
    answer = vic.client.post(
        "/workbench/preview",
        data={"message": "{{#is_alert}}x", "csrf_token": vic.csrf("/workbench")},
    )
    assert answer.status_code == 200
    assert "<h1>Message workbench</h1>" in answer.text and 'id="parse-error"' in answer.text
    assert ">{{#is_alert}}x</textarea>" in answer.text


def test_replay_compares_with_what_happened_and_changes_nothing(vic: Console, db: Engine) -> None:
    auth = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    message = "Disk full. {{#is_alert}}@case-ops{{/is_alert}}"
    for state, at, n in (("Alert", "09:00", 1), ("OK", "09:30", 2), ("Alert", "10:00", 3)):
        body = generic_body(state, at=f"2026-11-20T{at}:00Z", delivery_id=f"r-{n}",
                            message=message)  # fmt: skip
        assert vic.client.post("/webhooks/generic", content=body, headers=auth).status_code == 202
    cases, deliveries = len(case_rows(db)), len(inbox_rows(db))
    assert cases == 2

    page = vic.client.get("/workbench").text
    assert '<option value="generic:disk">Disk full (generic, 1 group)</option>' in page
    edited = (
        "{{#is_alert}}@case-storage{{/is_alert}}\n{{#is_recovery}}@case-storage{{/is_recovery}}"
    )
    answer = vic.client.post(
        "/workbench/replay",
        data={"message": edited, "monitor": "generic:disk", "last": "10",
              "csrf_token": vic.csrf("/workbench")},
        headers=HTMX,
    )  # fmt: skip
    assert answer.status_code == 200
    summary = re.search(r'<p role="status" id="replay-summary">(.*?)</p>', answer.text, re.S)
    assert summary
    assert (
        "its last 3 notifications: this message would open 2 cases and close 1; "
        "2 were opened and 1 closed." in summary.group(1)
    )
    rows = answer.text.split("<tr")[2:]
    assert 'opened <a href="/cases/OPS-1">OPS-1</a>' in rows[0]
    assert "would open a case in STORAGE" in rows[0]
    assert "would close the STORAGE case of #1" in rows[1] and "closed" in rows[1]
    assert len(case_rows(db)) == cases and len(inbox_rows(db)) == deliveries
