"""The console in a real browser: what a responder and a viewer do, end to end.

One server for the module (its cases carry on from test to test, in file
order); each test gets a fresh browser context, so its own cookies. The
screenshots in docs/images/ are taken here, so they show the console as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.settings import Settings
from bot.web.app import create_app
from tests import local_http
from tests.console.harness import PASSWORD, WEBHOOK_TOKEN, add_account
from tests.databases import sqlite_url
from tests.engine.builders import add_project, generic_body
from tests.web.server import running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: docs/images/ under `make screenshots`
    (CASEBOT_SCREENSHOTS=docs), else a temporary folder, so a test run leaves the
    checkout as it was."""
    if os.environ.get("CASEBOT_SCREENSHOTS") == "docs":
        return DOCS_IMAGES
    return tmp_path_factory.mktemp("screenshots")


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    engine: Engine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    url = sqlite_url(tmp_path_factory.mktemp("console"))
    upgrade(url)
    engine = make_engine(url)
    add_project(engine, handle="ops", key="OPS")
    add_account(url, "rita@example.com", role="responder", name="Rita Responder")
    add_account(url, "vic@example.com", role="viewer", name="Vic Viewer")
    for name in ("Ann", "Bo", "Cy"):
        add_account(url, f"{name.lower()}@example.com", role="responder", name=name)
    settings = Settings(database_url=url, webhook_token=WEBHOOK_TOKEN)
    with running(create_app(settings)) as base:
        yield Server(base, engine)
    engine.dispose()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    errors: list[str] = []  # a Content-Security-Policy violation is reported here too
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert dialogs == [], "a script ran in the page"
    assert errors == [], "the page reported errors"


def sign_in(page: Any, email: str = "rita@example.com") -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/cases")


def new_case(page: Any, title: str, *, priority: str = "P2", description: str = "") -> str:
    page.goto("/cases")
    page.get_by_role("link", name="New case").click()
    page.get_by_label("Project").select_option("OPS")
    page.get_by_label("Type").select_option("STANDARD")
    page.get_by_label("Title").fill(title)
    if description:
        page.get_by_label("Description").fill(description)
    page.get_by_label("Priority").select_option(priority)
    page.get_by_role("button", name="Create case").click()
    page.wait_for_url(re.compile(r".*/cases/OPS-\d+$"))
    return str(page.url.rsplit("/", 1)[-1])


def test_sign_in_create_a_case_and_find_it_in_the_list(page: Any, images: Path) -> None:
    from playwright.sync_api import expect

    sign_in(page)
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    page.get_by_role("link", name="New case").click()
    page.get_by_label("Project").select_option("OPS")
    page.get_by_label("Type").select_option("STANDARD")
    page.get_by_label("Title").fill("Disk full on db-1")
    page.get_by_label("Description").fill(
        "Free space on **/var**:\n\n1. rotate logs\n2. grow the volume"
    )
    page.get_by_label("Priority").select_option("P2")
    page.screenshot(path=str(images / "new-case.png"))
    page.get_by_role("button", name="Create case").click()
    page.wait_for_url("**/cases/OPS-1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("OPS-1 · Disk full on db-1")
    expect(page.locator(".markdown strong")).to_have_text("/var")

    page.get_by_role("link", name="← Cases").click()
    row = page.get_by_role("row").filter(has_text="Disk full on db-1")
    expect(row).to_contain_text("OPS-1")
    expect(row).to_contain_text("Open")


def test_search_with_the_query_language_and_see_a_broken_query(page: Any) -> None:
    from playwright.sync_api import expect

    sign_in(page)
    new_case(page, "Checkout slow", priority="P4")
    page.goto("/cases")
    search = page.get_by_label("Search")
    search.fill('priority:(P1 OR P2) "disk full"')
    search.press("Enter")
    results = page.locator("#results")
    expect(results).to_contain_text("Disk full on db-1")
    expect(results).not_to_contain_text("Checkout slow")
    expect(page).to_have_url(re.compile(r"q=priority"))  # the view is in the URL

    search.fill("status:open (P1")
    search.press("Enter")
    expect(page.locator("#query-error")).to_contain_text("expected ')' at column 16")
    expect(page.locator("#query-error pre")).to_have_text("status:open (P1\n               ^")


def test_bulk_assign_three_cases(page: Any, images: Path) -> None:
    from playwright.sync_api import expect

    sign_in(page)
    keys = [new_case(page, f"Flapping check {n}") for n in range(3)]
    page.goto("/cases?q=" + "%22Flapping check%22")
    for key in keys:
        page.get_by_role("checkbox", name=key).check()
    page.get_by_label("Assignee", exact=True).select_option(label="Bo")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status").filter(has_text="Updated 3 cases.")).to_be_visible()
    for key in keys:
        expect(page.get_by_role("row").filter(has_text=key)).to_contain_text("Bo")
    page.goto("/cases")
    page.screenshot(path=str(images / "case-list.png"), full_page=True)


def test_change_status_priority_and_assignee_and_comment(page: Any, images: Path) -> None:
    from playwright.sync_api import expect

    sign_in(page)
    page.goto("/cases/OPS-1")
    page.get_by_label("Status").select_option(label="In Progress")
    page.get_by_label("Priority").select_option("P1")
    page.get_by_label("Assignee").select_option(label="Ann")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#case-status")).to_have_text("In Progress")
    facts = page.locator("#case-facts")
    expect(facts).to_contain_text("Ann")
    expect(page.locator("#timeline")).to_contain_text("Priority changed from P2 to P1")

    page.get_by_label("Comment", exact=True).fill(
        "Rotated the logs <script>alert('owned')</script> **done**"
    )
    page.get_by_role("button", name="Add comment").click()
    newest = page.locator("#timeline li").first
    expect(newest).to_contain_text("<script>alert('owned')</script>")
    expect(newest.locator("strong")).to_have_text("done")
    page.screenshot(path=str(images / "case-page.png"), full_page=True)


def test_a_monitor_recovery_closes_the_open_case_page(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    auth = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    alert = generic_body("Alert", at="2026-11-20T09:00:00Z", delivery_id="browser-1")
    opened = local_http.post(f"{server.url}/webhooks/generic", content=alert, headers=auth)
    assert opened.status_code == 202, opened.text
    sign_in(page)
    page.goto("/cases?q=creation_source%3Amonitor")
    page.get_by_role("row").filter(has_text="Disk full").get_by_role("link").first.click()
    expect(page.locator("#case-status")).to_have_text("Open")
    expect(page.locator("body")).to_have_attribute("data-live-state", "connected")
    page.evaluate("window.__notReloaded = true")

    recovery = generic_body("OK", at="2026-11-20T09:30:00Z", delivery_id="browser-2")
    assert (
        local_http.post(
            f"{server.url}/webhooks/generic", content=recovery, headers=auth
        ).status_code
        == 202
    )

    expect(page.locator("#case-status")).to_have_text("Closed")
    expect(page.locator("#timeline")).to_contain_text("Alert → OK")
    expect(page.locator("#case-facts")).to_contain_text("now OK")  # the monitor group
    expect(page.get_by_role("status").filter(has_text="Updated with a change")).to_have_count(1)
    assert page.evaluate("window.__notReloaded") is True


def test_the_list_shows_a_new_case_without_a_reload(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    sign_in(page)
    expect(page.locator("body")).to_have_attribute("data-live-state", "connected")
    page.evaluate("window.__notReloaded = true")
    alert = generic_body(
        "Alert", at="2026-11-20T10:00:00Z", delivery_id="browser-3", monitor="queue",
        group=("queue:orders",),
    )  # fmt: skip
    auth = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    assert (
        local_http.post(f"{server.url}/webhooks/generic", content=alert, headers=auth).status_code
        == 202
    )
    expect(page.locator("#results")).to_contain_text("queue:orders")
    assert page.evaluate("window.__notReloaded") is True


def test_a_viewer_sees_no_controls_and_a_forged_post_is_refused(page: Any) -> None:
    from playwright.sync_api import expect

    sign_in(page, "vic@example.com")
    expect(page.get_by_role("row").filter(has_text="OPS-1")).to_be_visible()
    expect(page.get_by_role("link", name="New case")).to_have_count(0)
    expect(page.locator("main form[method=post]")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)
    page.goto("/cases/OPS-1")
    expect(page.locator("#case-status")).to_be_visible()
    for control in ("Status", "Priority", "Assignee", "Title", "Comment"):
        expect(page.get_by_label(control, exact=True)).to_have_count(0)
    # Watching changes what the viewer receives, not the case: their one form here.
    expect(page.locator("main form")).to_have_count(1)
    expect(page.locator("main form")).to_have_attribute("action", "/cases/OPS-1/watch")
    buttons = page.get_by_role("button")
    expect(buttons).to_have_text(["Sign out", "Watch"])  # Sign out is in the header
    csrf = page.locator("header input[name=csrf_token]").get_attribute("value")
    forged = page.request.post("/cases/OPS-1/comment", form={"comment": "hi", "csrf_token": csrf})
    assert forged.status == 403


def test_a_post_without_the_csrf_token_is_refused(page: Any) -> None:
    sign_in(page)
    answer = page.request.post("/cases/OPS-1/comment", form={"comment": "no token"})
    assert answer.status == 403
    page.goto("/cases/OPS-1")
    assert "no token" not in page.content()


def test_the_keyboard_alone_signs_in_and_opens_a_case(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.keyboard.type("rita@example.com")  # Email has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="OPS-1", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/OPS-1")
    expect(page.locator("#case-status")).to_be_visible()
