"""Projects, automation rules and the inbox in a real browser: what an admin sets up and
what a responder may not do.

One server for the module (its projects and deliveries carry on from test to test,
in file order); each test gets a fresh browser context. The screenshots of the
project settings and the rules page in docs/images/ are taken here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from bot.core.cases import CaseEvent
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.settings import Settings
from bot.web.app import create_app
from tests.browser.harness import browser_page, deliver, screenshots_dir, sign_in
from tests.console.harness import WEBHOOK_TOKEN, add_account
from tests.databases import sqlite_url
from tests.engine.builders import add_project, generic_body
from tests.web.server import running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN, RESPONDER = "ann@example.com", "rita@example.com"


class Outage:
    """A case listener whose store is down while `down` is set: deliveries then fail."""

    def __init__(self) -> None:
        self.down = False

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        if self.down:
            raise RuntimeError("outbox unavailable")


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    engine: Engine
    outage: Outage


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    url = sqlite_url(tmp_path_factory.mktemp("settings"))
    upgrade(url)
    engine = make_engine(url)
    add_project(engine, handle="ops", key="OPS")
    add_account(url, ADMIN, role="admin", name="Ann Admin")
    add_account(url, RESPONDER, role="responder", name="Rita Responder")
    outage = Outage()
    settings = Settings(database_url=url, webhook_token=WEBHOOK_TOKEN)
    with running(create_app(settings, case_listeners=[outage])) as base:
        yield Server(base, engine, outage)
    engine.dispose()


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots_dir(tmp_path_factory.mktemp("screenshots"))


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    with browser_page(
        browser, server.url, permissions=["clipboard-read", "clipboard-write"]
    ) as opened:
        yield opened


def test_create_a_project_and_copy_its_handle(page: Any, images: Path) -> None:
    from playwright.sync_api import expect

    sign_in(page, ADMIN)
    page.get_by_role("link", name="Projects", exact=True).click()
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Name").fill("Storage")
    page.get_by_label("Key").fill("STORAGE")
    page.get_by_label("Handle").fill("storage")
    page.get_by_label("Slack channel").fill("#storage-oncall")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url("**/projects/STORAGE?done=created&key=STORAGE")
    expect(page.get_by_role("status").filter(has_text="Created project STORAGE.")).to_be_visible()

    handle = page.locator("#handle-to-paste")
    expect(handle).to_have_text("@case-storage")
    page.get_by_role("button", name="Copy handle").click()
    expect(page.get_by_text("Copied @case-storage.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "@case-storage"
    # The toggle shows the handle only while the integration is on.
    page.get_by_role("switch", name="Monitor integration").uncheck()
    expect(handle).to_be_hidden()
    page.get_by_role("switch", name="Monitor integration").check()
    expect(handle).to_be_visible()
    page.screenshot(path=str(images / "project-settings.png"), full_page=True)


def test_with_auto_close_off_a_recovery_leaves_the_case_open(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    sign_in(page, ADMIN)
    page.goto("/projects/STORAGE")
    page.get_by_role("switch", name="Auto-close when the monitor group resolves").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="Saved the settings")).to_be_visible()
    expect(
        page.get_by_role("switch", name="Auto-close when the monitor group resolves")
    ).not_to_be_checked()

    message = "Disk full. {{#is_alert}}@case-storage{{/is_alert}}"
    group = ("host:db-9",)
    opened = deliver(server.url, generic_body("Alert", at="2026-11-20T09:00:00Z",
                                              group=group, message=message))  # fmt: skip
    deliver(server.url, generic_body("OK", at="2026-11-20T09:30:00Z", group=group,
                                     message=message))  # fmt: skip
    page.goto(f"/inbox/{opened['inbox_id']}")
    page.get_by_role("link", name=re.compile(r"^STORAGE-\d+$")).click()
    expect(page.locator("#timeline")).to_contain_text("Alert → OK")  # the recovery arrived
    expect(page.locator("#case-status")).to_have_text("Open")  # and left the case open
    expect(page.locator("#case-facts")).to_contain_text("now OK")


def test_add_three_rules_reorder_them_and_test_an_issue(page: Any, images: Path) -> None:
    from playwright.sync_api import expect

    sign_in(page, ADMIN)
    page.get_by_role("link", name="Rules", exact=True).click()
    page.get_by_label("Query").fill("service:(web-store OR")
    page.get_by_label("Project").select_option("OPS")
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator("#query-problem")).to_contain_text("expected a term at column 22")
    expect(page.locator("#query-problem pre")).to_have_text(
        "service:(web-store OR\n" + " " * 21 + "^"
    )
    for query, project in (
        ("service:web-store -team:Shopist", "STORAGE"),
        ("team:Shopist", "OPS"),
        ("service:web-*", "STORAGE"),
    ):
        page.get_by_label("Query").fill(query)
        page.get_by_label("Project").select_option(project)
        page.get_by_role("button", name="Add rule").click()
        expect(page.locator("#rules")).to_contain_text(query)
    queries = page.locator("#rules tbody code")
    expect(queries).to_have_text(
        ["service:web-store -team:Shopist", "team:Shopist", "service:web-*"]
    )
    # Reordering needs no mouse: focus the third rule's Move up and press Enter.
    page.locator("#rule-3").get_by_role("button", name="Move up").focus()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(has_text="Moved the rule to position 2.")
    ).to_be_visible()
    expect(queries).to_have_text(
        ["service:web-store -team:Shopist", "service:web-*", "team:Shopist"]
    )

    page.get_by_label("Service").fill("web-store")
    page.get_by_label("Team").fill("Shopist")
    page.get_by_role("button", name="Test", exact=True).click()
    trial = page.locator("#trial")
    expect(trial).to_contain_text("Rule 2 applies: cases go to STORAGE.")
    expect(trial.locator("li.applies")).to_contain_text("Rule 2 → STORAGE: matches")
    first = trial.locator("ol.verdicts > li").first
    expect(first.locator("li.clause.no").filter(has_text="-team:Shopist").first).to_contain_text(
        "does not match"
    )
    expect(page.locator("#rule-2")).to_contain_text("applies")
    page.screenshot(path=str(images / "rules.png"), full_page=True)


def test_retry_a_failed_delivery_from_the_inbox(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    server.outage.down = True
    try:
        failed = deliver(server.url, generic_body("Alert", at="2026-11-20T11:00:00Z",
                                                  group=("host:web-7",)))  # fmt: skip
    finally:
        server.outage.down = False
    assert failed["outcome"] == "failed"
    number = failed["inbox_id"]
    sign_in(page, ADMIN)
    page.get_by_role("link", name="Inbox", exact=True).click()
    page.get_by_label("Outcome").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    row = page.locator(f"#delivery-{number}")
    expect(row).to_contain_text("RuntimeError: outbox unavailable")
    row.get_by_role("button", name=f"Retry #{number}").click()
    expect(
        page.get_by_role("status").filter(has_text=f"Retried #{number}: processed")
    ).to_contain_text("opened OPS-")
    page.goto("/inbox")
    expect(page.locator(f"#delivery-{number}")).to_contain_text("processed")
    page.locator(f"#delivery-{number}").get_by_role("link", name=re.compile("raw body")).click()
    expect(page.locator("#raw-body")).to_contain_text('"host:web-7"')


def test_a_responder_sees_no_admin_control_and_a_forged_post_is_refused(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    sign_in(page, RESPONDER)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    expect(nav.get_by_role("link", name="API keys")).to_have_count(0)
    page.goto("/projects")
    expect(page.get_by_role("link", name="New project")).to_have_count(0)
    page.goto("/projects/STORAGE")
    expect(page.locator("#project-settings")).to_contain_text("@case-storage")
    expect(page.locator("main form")).to_have_count(0)
    page.goto("/settings/rules")
    for control in ("Add rule", "Move up", "Move down", "Delete"):
        expect(page.get_by_role("button", name=control)).to_have_count(0)
    page.goto("/inbox")
    expect(page.get_by_role("button", name=re.compile("^Retry"))).to_have_count(0)

    csrf = page.locator("header input[name=csrf_token]").get_attribute("value")
    for path, form in (
        ("/projects/STORAGE/delete", {"confirm": "STORAGE"}),
        ("/projects/STORAGE", {"name": "Mine", "key": "STORAGE", "handle": "mine"}),
        ("/settings/rules", {"query": "team:x", "project": "OPS"}),
        ("/settings/users/invite", {"email": "eve@example.com", "name": "Eve", "role": "admin"}),
        ("/inbox/1/retry", {}),
    ):
        forged = page.request.post(path, form={**form, "csrf_token": csrf})
        assert forged.status == 403, path
    page.goto("/projects/STORAGE")
    expect(page.locator("h1")).to_contain_text("Storage")
