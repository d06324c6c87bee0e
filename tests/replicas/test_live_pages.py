"""The console's live pages across replicas: a page open on replica A hears of a case
created or changed through replica B (two real `casebot serve` processes on one
PostgreSQL database), and when A's stream says so, A's page shows the change.

The browser's side of the same (the page updating itself) is
tests/browser/test_replicas.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.db.engine import make_engine
from tests.console.harness import signed_in, stream_events
from tests.fakes.slack_api import FakeSlack, running_fake_slack
from tests.replicas.harness import (
    People,
    cut_listeners,
    empty_postgres_database,
    new_case,
    replicas,
    set_status,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def database_url() -> Iterator[str]:
    with empty_postgres_database() as url:
        yield url


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with running_fake_slack() as fake:
        yield fake


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = make_engine(database_url)
    yield created
    created.dispose()


def test_pages_on_one_replica_hear_changes_made_through_the_other(
    database_url: str, fake: FakeSlack, engine: Engine, tmp_path: Path
) -> None:
    with replicas(database_url, fake, tmp_path) as (a, b):
        people = People.add(database_url, engine)
        api_b = people.case_api(b)
        listing, page = signed_in(a.base, people.email), signed_in(a.base, people.email)
        with listing.stream("GET", "/cases/events") as list_stream:
            list_events = stream_events(list_stream.iter_lines())
            assert next(list_events) == ("", "")  # A's stream is subscribed
            key = new_case(api_b, "Disk full on db-7")
            assert next(list_events)[0] == "changed"
            assert "Disk full on db-7" in listing.get("/cases").text
        with page.stream("GET", f"/cases/{key}/events") as case_stream:
            case_events = stream_events(case_stream.iter_lines())
            assert next(case_events) == ("", "")
            set_status(api_b, key, "IN_PROGRESS")
            event, version = next(case_events)
            assert event == "changed" and int(version) > 0
            assert 'id="case-status">In Progress<' in page.get(f"/cases/{key}").text
        for client in (api_b, listing, page):
            client.close()


def test_a_replica_whose_listening_connection_is_cut_listens_again(
    database_url: str, fake: FakeSlack, engine: Engine, tmp_path: Path
) -> None:
    with replicas(database_url, fake, tmp_path) as (a, b):
        people = People.add(database_url, engine)
        api_b = people.case_api(b)
        listing = signed_in(a.base, people.email)
        with listing.stream("GET", "/cases/events") as list_stream:
            list_events = stream_events(list_stream.iter_lines())
            assert next(list_events) == ("", "")
            assert cut_listeners(engine) == 2  # A's and B's
            # Listening again, A tells its page to read everything: it missed what
            # changed in between.
            assert next(list_events)[0] == "changed"
            key = new_case(api_b, "Certificate expires in 3 days")
            assert next(list_events)[0] == "changed"
            assert key in listing.get("/cases").text
        for client in (api_b, listing):
            client.close()
