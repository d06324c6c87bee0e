"""The console in a real browser across replicas: pages open on replica A update,
without a reload, when a case is created or changed through replica B (two real
`casebot serve` processes on one PostgreSQL database)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.db.engine import make_engine
from tests.browser.harness import browser_page, sign_in
from tests.fakes.slack_api import running_fake_slack
from tests.replicas.harness import (
    People,
    Replica,
    empty_postgres_database,
    new_case,
    replicas,
    set_status,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]


@dataclass(frozen=True, slots=True)
class Pair:
    a: Replica
    b: Replica
    people: People


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Pair]:
    with empty_postgres_database() as url, running_fake_slack() as fake:
        cwd: Path = tmp_path_factory.mktemp("replicas")
        with replicas(url, fake, cwd) as (a, b):
            engine = make_engine(url)
            try:
                yield Pair(a, b, People.add(url, engine))
            finally:
                engine.dispose()


@pytest.fixture
def page(browser: Any, pair: Pair) -> Iterator[Any]:
    with browser_page(browser, pair.a.base) as opened:
        yield opened


def test_the_list_on_one_replica_shows_a_case_created_through_the_other(
    page: Any, pair: Pair
) -> None:
    from playwright.sync_api import expect

    sign_in(page, pair.people.email)
    expect(page.locator("body")).to_have_attribute("data-live-state", "connected")
    page.evaluate("window.__notReloaded = true")
    with pair.people.case_api(pair.b) as api:
        key = new_case(api, "Checkout latency over 2 s")
    row = page.get_by_role("row").filter(has_text="Checkout latency over 2 s")
    expect(row).to_contain_text(key)
    assert page.evaluate("window.__notReloaded") is True


def test_a_case_page_on_one_replica_follows_a_change_made_through_the_other(
    page: Any, pair: Pair
) -> None:
    from playwright.sync_api import expect

    sign_in(page, pair.people.email)
    with pair.people.case_api(pair.b) as api:
        key = new_case(api, "Queue backlog on orders")
        page.goto(f"/cases/{key}")
        expect(page.locator("#case-status")).to_have_text("Open")
        expect(page.locator("body")).to_have_attribute("data-live-state", "connected")
        page.evaluate("window.__notReloaded = true")
        set_status(api, key, "IN_PROGRESS")
    expect(page.locator("#case-status")).to_have_text("In Progress")
    expect(page.locator("#live-status")).to_contain_text("Updated with a change made elsewhere")
    assert page.evaluate("window.__notReloaded") is True
