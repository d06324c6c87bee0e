"""Live updates over server-sent events: a change made elsewhere (the webhook, another
person) reaches an open case page's stream and the list's, after it is committed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.db.engine import make_engine
from bot.settings import Settings
from bot.web.app import create_app
from tests import local_http
from tests.console.harness import WEBHOOK_TOKEN, add_account, signed_in, stream_events
from tests.engine.builders import add_project, generic_body
from tests.web.server import running

AUTH = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}


@pytest.fixture
def server(migrated_database_url: str) -> Iterator[tuple[str, Engine]]:
    engine = make_engine(migrated_database_url)
    add_project(engine)
    add_account(migrated_database_url, "rita@example.com")
    settings = Settings(database_url=migrated_database_url, webhook_token=WEBHOOK_TOKEN)
    with running(create_app(settings)) as url:
        yield url, engine
    engine.dispose()


def test_a_monitor_recovery_reaches_the_open_case_and_the_list(
    server: tuple[str, Engine],
) -> None:
    url, _engine = server
    alert = generic_body("Alert", at="2026-11-20T09:00:00Z", delivery_id="live-1")
    assert (
        local_http.post(f"{url}/webhooks/generic", content=alert, headers=AUTH).status_code == 202
    )
    page, listing = signed_in(url, "rita@example.com"), signed_in(url, "rita@example.com")
    with (
        page.stream("GET", "/cases/OPS-1/events") as case_stream,
        listing.stream("GET", "/cases/events") as list_stream,
    ):
        case_events = stream_events(case_stream.iter_lines())
        list_events = stream_events(list_stream.iter_lines())
        assert next(case_events) == ("", "")  # connected (the retry advice)
        assert next(list_events) == ("", "")
        recovery = generic_body("OK", at="2026-11-20T09:30:00Z", delivery_id="live-2")
        answer = local_http.post(f"{url}/webhooks/generic", content=recovery, headers=AUTH)
        assert answer.status_code == 202
        event, version = next(case_events)
        assert event == "changed" and int(version) > 1
        # The change was committed before the page was told: it shows now.
        assert 'id="case-status">Closed<' in page.get("/cases/OPS-1").text
        assert next(list_events)[0] == "changed"
    page.close()
    listing.close()


def test_a_stream_needs_a_session(server: tuple[str, Engine]) -> None:
    url, _engine = server
    answer = local_http.get(f"{url}/cases/events")
    assert answer.status_code == 303
