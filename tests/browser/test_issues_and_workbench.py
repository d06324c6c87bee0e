"""Error-tracking issues and the message workbench in a real browser.

From an issue's panel a responder adds a case and attaches a second issue to it, and
the case follows the issues' states as the seed's table says; in the workbench a
typo is underlined at its line and column while the handles of every transition
update as one types. One server for the module, tests in file order; the
screenshots of the issue panel and the workbench in docs/images/ are taken here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.errortracking import AutomationRules, ErrorEvent, IssueService
from bot.settings import Settings
from bot.web.app import create_app
from tests.browser.harness import browser_page, screenshots_dir, sign_in
from tests.console.harness import WEBHOOK_TOKEN, add_account
from tests.databases import sqlite_url
from tests.engine.builders import add_project
from tests.web.server import running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RESPONDER = "rita@example.com"


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    engine: Engine
    issues: dict[str, str]  # error type -> issue id


def _record(engine: Engine) -> dict[str, str]:
    actor = Actor(ActorSource.API, None, "shop-backend")
    found = {}
    with engine.begin() as conn:
        service = IssueService(conn, now=datetime.now(UTC))
        for error_type, message, count in (
            ("KeyError", "'sku' missing from the cart line\n  at cart.py:88", 3),
            ("ValueError", "quantity must be positive: -1\n  at cart.py:41", 1),
        ):
            for n in range(count):
                event = ErrorEvent("checkout", error_type, message, team="shop", env="prod",
                                   version=f"2.4.{n}")  # fmt: skip
                found[error_type] = str(service.record(event, actor=actor).issue.id)
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    url = sqlite_url(tmp_path_factory.mktemp("issues"))
    upgrade(url)
    engine = make_engine(url)
    add_project(engine, handle="ops", key="OPS", is_error_tracking_default=True)
    add_project(engine, handle="web", key="WEB")
    add_project(engine, handle="storage", key="STORAGE")
    with engine.begin() as conn:
        AutomationRules(conn, now=datetime.now(UTC)).add(query="service:checkout", project="WEB")
    issues = _record(engine)
    add_account(url, RESPONDER, role="responder", name="Rita Responder")
    settings = Settings(database_url=url, webhook_token=WEBHOOK_TOKEN)
    with running(create_app(settings)) as base:
        yield Server(base, engine, issues)
    engine.dispose()


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots_dir(tmp_path_factory.mktemp("screenshots"))


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    with browser_page(browser, server.url) as opened:
        yield opened


def _open_issue(page: Any, title: str) -> None:
    page.goto("/issues")
    page.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(r".*/issues/[0-9a-f-]{36}$"))


def test_add_a_case_then_attach_a_second_issue_and_see_both_on_the_case(
    page: Any, images: Path
) -> None:
    from playwright.sync_api import expect

    sign_in(page, RESPONDER)
    _open_issue(page, "KeyError: 'sku' missing from the cart line")
    expect(page.locator("#issue-state")).to_have_text("FOR REVIEW")
    page.get_by_text("Actions", exact=True).click()
    # The first matching rule's project is chosen, and the hint says why.
    expect(page.get_by_label("Project")).to_have_value("WEB")
    expect(page.get_by_text("Rule 1 (service:checkout) routes this issue here.")).to_be_visible()
    page.screenshot(path=str(images / "issue-panel.png"), full_page=True)
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.locator("p.success")).to_have_text("Created case WEB-1 for this issue.")
    expect(page.locator("#issue-state")).to_have_text("REVIEWED")  # the seed: a new case reviews
    expect(page.locator("#issue-case")).to_contain_text("WEB-1")

    _open_issue(page, "ValueError: quantity must be positive: -1")
    page.get_by_text("Actions", exact=True).click()
    page.get_by_label("Find a case").fill("WEB-1")
    page.get_by_role("button", name="Find cases").click()
    page.locator("#found-cases").get_by_role("row").filter(has_text="WEB-1").get_by_role(
        "button", name="Attach to case"
    ).click()
    expect(page.locator("p.success")).to_have_text("Attached this issue to WEB-1.")
    page.locator("#issue-case").get_by_role("link", name=re.compile("WEB-1")).click()
    page.wait_for_url("**/cases/WEB-1")
    linked = page.locator("#case-issues")
    expect(linked.get_by_role("listitem")).to_have_count(2)
    expect(linked).to_contain_text("KeyError: 'sku' missing from the cart line · checkout")
    expect(linked).to_contain_text("ValueError: quantity must be positive: -1 · checkout")
    expect(page.locator("#case-status")).to_have_text("In Progress")


def _set_state(page: Any, title: str, label: str) -> None:
    from playwright.sync_api import expect

    _open_issue(page, title)
    page.get_by_label("State").select_option(label=label)
    page.get_by_role("button", name="Set state").click()
    expect(page.locator("#issue-state")).to_have_text(label)


def test_the_case_follows_its_issues_states_as_the_seed_table_says(page: Any) -> None:
    from playwright.sync_api import expect

    key_error = "KeyError: 'sku' missing from the cart line"
    value_error = "ValueError: quantity must be positive: -1"
    sign_in(page, RESPONDER)
    _set_state(page, key_error, "RESOLVED")
    page.goto("/cases/WEB-1")
    expect(page.locator("#case-status")).to_have_text("In Progress")  # one issue still open
    _set_state(page, value_error, "RESOLVED")
    page.goto("/cases/WEB-1")
    expect(page.locator("#case-status")).to_have_text("Closed")  # every issue resolved
    # The table's first row: the case is CLOSED and all issues are RESOLVED; one issue goes
    # back to FOR REVIEW: the case is OPEN and the other issues remain RESOLVED.
    _set_state(page, key_error, "FOR REVIEW")
    page.goto("/cases/WEB-1")
    expect(page.locator("#case-status")).to_have_text("Open")
    linked = page.locator("#case-issues")
    expect(linked.get_by_role("listitem").filter(has_text="ValueError")).to_contain_text("RESOLVED")
    expect(linked.get_by_role("listitem").filter(has_text="KeyError")).to_contain_text("FOR REVIEW")
    expect(page.locator("#timeline")).to_contain_text("FOR REVIEW")


def test_a_typo_in_the_workbench_is_underlined_with_its_suggestion(page: Any, images: Path) -> None:
    from playwright.sync_api import expect

    sign_in(page, RESPONDER)
    page.get_by_role("link", name="Workbench", exact=True).click()
    page.evaluate("window.__notReloaded = true")
    box = page.get_by_label("Monitor message")
    box.fill("")
    box.press_sequentially(
        "Disk almost full on {{host.name}}: {{value}}%\n"
        "{{#is_alrt}}Page @case-storage{{/is_alrt}}\n"
        "<<#is_warning>>Heads up @case-stroage @slack-storage<</is_warning>>\n"
        "{{#is_recovery}}Recovered. @case-storage{{/is_recovery}}",
        delay=2,
    )
    first = page.locator("#diag-1")
    expect(first).to_contain_text("Line 2, column 1")
    expect(first).to_contain_text("'is_alrt' is not a conditional")
    expect(first.locator(".suggestion")).to_have_text("did you mean is_alert?")
    expect(page.locator("#mark-1")).to_have_text("{{#is_alrt}}")
    expect(page.locator("#diagnostics")).to_contain_text("did you mean @case-storage?")
    # The handles of each transition: nothing on an alert (the block never shows).
    expect(page.locator("#t-ok-to-alert .handles")).to_have_text("none")
    expect(page.locator("#t-ok-to-warn .handles")).to_contain_text("@case-stroage")
    expect(page.locator("#t-ok-to-warn .handles")).to_contain_text("@slack-storage")
    expect(page.locator("#t-alert-to-ok .handles")).to_have_text("@case-storage")
    page.screenshot(path=str(images / "workbench.png"), full_page=True)

    box.fill(box.input_value().replace("is_alrt", "is_alert"))  # the fix, as typed over
    expect(page.locator("#t-ok-to-alert .handles")).to_have_text("@case-storage")
    expect(page.locator("#diag-1")).not_to_contain_text("is_alrt")
    assert page.evaluate("window.__notReloaded") is True
