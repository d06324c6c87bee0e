"""The case page's Watch: anyone signed in (a viewer too) watches a case and stops, with
the session's CSRF token; a watcher then hears of someone else's change by e-mail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.core.cases import Actor
from bot.db.engine import make_engine
from bot.services.destinations import Destinations
from tests.builders import make_case, make_project
from tests.console.harness import Console, add_account, console, csrf_of


@pytest.fixture
def db(migrated_database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_database_url)
    with engine.begin() as conn:
        project = make_project(conn, name="Operations", key="OPS", handle="ops")
        make_case(conn, project, title="Disk full on db-1", actor=Actor.monitor())
    add_account(migrated_database_url, "rita@example.com", role="responder", name="Rita")
    add_account(migrated_database_url, "vic@example.com", role="viewer", name="Vic")
    yield engine
    engine.dispose()


@pytest.fixture
def vic(db: Engine, migrated_database_url: str) -> Iterator[Console]:
    with console(migrated_database_url) as c:
        assert c.sign_in("vic@example.com").status_code == 303
        yield c


def _press(c: Console, key: str) -> Any:
    page = c.client.get(f"/cases/{key}").text
    wanted = re.search(r'<input type="hidden" name="watch" value="(on|off)">', page)
    assert wanted, "no Watch control on the case page"
    return c.client.post(
        f"/cases/{key}/watch", data={"watch": wanted.group(1), "csrf_token": csrf_of(page)}
    )


def _watchers(page: str) -> str:
    found = re.search(r'<p id="watchers">([^<]*)</p>', page)
    assert found
    return found.group(1)


def test_a_viewer_watches_and_stops_watching(vic: Console) -> None:
    page = vic.client.get("/cases/OPS-1").text
    assert _watchers(page) == "Nobody watches this case."
    assert '<button type="submit">Watch</button>' in page
    answer = _press(vic, "OPS-1")
    assert (answer.status_code, answer.headers["location"]) == (303, "/cases/OPS-1")
    page = vic.client.get("/cases/OPS-1").text
    assert _watchers(page) == "Vic"
    assert '<button type="submit">Stop watching</button>' in page
    assert _press(vic, "OPS-1").status_code == 303
    assert _watchers(vic.client.get("/cases/OPS-1").text) == "Nobody watches this case."


def test_a_watcher_hears_of_someone_elses_change_by_mail(
    vic: Console, db: Engine, migrated_database_url: str
) -> None:
    _press(vic, "OPS-1")
    with console(migrated_database_url) as rita:
        assert rita.sign_in("rita@example.com").status_code == 303
        page = rita.client.get("/cases/OPS-1").text
        answer = rita.client.post(
            "/cases/OPS-1/comment", data={"comment": "Freed 20 GB.", "csrf_token": csrf_of(page)}
        )
        assert answer.status_code == 303
    with db.connect() as conn:
        queued = Destinations(conn, now=datetime.now(UTC)).sent()
    assert [(m.case_key, m.route.address) for m in queued] == [("OPS-1", "vic@example.com")]
    assert queued[0].payload["changes"][0]["body"] == "Freed 20 GB."


def test_a_watch_without_the_csrf_token_or_a_case_is_refused(vic: Console) -> None:
    forged = vic.client.post("/cases/OPS-1/watch", data={"watch": "on"})
    assert forged.status_code == 403
    assert _watchers(vic.client.get("/cases/OPS-1").text) == "Nobody watches this case."
    csrf = csrf_of(vic.client.get("/cases/OPS-1").text)
    missing = vic.client.post("/cases/OPS-9/watch", data={"watch": "on", "csrf_token": csrf})
    assert missing.status_code == 404
    unclear = vic.client.post("/cases/OPS-1/watch", data={"watch": "yes", "csrf_token": csrf})
    assert unclear.status_code == 400
