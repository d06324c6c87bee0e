"""`/issues` and the issue panel over HTTP: search, Add case, Attach to existing case,
state changes that the case follows (the seed's tables), Unlink, and what viewers may do."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource, CaseStatus
from bot.core.issues import IssueState
from bot.db.engine import make_engine
from bot.errortracking import AutomationRules, ErrorEvent, IssueService
from bot.services.cases import CaseService
from tests.builders import make_project
from tests.console.harness import Console, add_account, console

TESTS = Actor(ActorSource.API, None, "tests")


@pytest.fixture
def db(migrated_database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_database_url)
    with engine.begin() as conn:
        make_project(conn, name="Operations", key="OPS", handle="ops")
        make_project(conn, name="Web", key="WEB", handle="web")
    add_account(migrated_database_url, "rita@example.com", role="responder", name="Rita")
    add_account(migrated_database_url, "vic@example.com", role="viewer", name="Vic")
    yield engine
    engine.dispose()


@pytest.fixture
def rita(db: Engine, migrated_database_url: str) -> Iterator[Console]:
    with console(migrated_database_url) as c:
        assert c.sign_in("rita@example.com").status_code == 303
        yield c


def _issue(db: Engine, service: str, error_type: str, **extra: str) -> str:
    with db.begin() as conn:
        recorded = IssueService(conn, now=datetime.now(UTC)).record(
            ErrorEvent(service, error_type, "boom\n  at checkout.py:12", **extra), actor=TESTS
        )
    return str(recorded.issue.id)


def _state(db: Engine, issue_id: str) -> IssueState:
    with db.connect() as conn:
        return IssueService(conn, now=datetime.now(UTC)).get(issue_id).state


def _case_status(db: Engine, key: str) -> CaseStatus:
    with db.connect() as conn:
        return CaseService(conn, now=datetime.now(UTC)).get(key).status


def test_the_list_searches_with_the_rules_language(rita: Console, db: Engine) -> None:
    _issue(db, "checkout", "KeyError", team="shop")
    _issue(db, "billing", "TimeoutError", team="money")
    page = rita.client.get("/issues").text
    assert "KeyError: boom" in page and "TimeoutError: boom" in page
    found = rita.client.get("/issues", params={"q": "service:checkout -team:money"}).text
    assert "KeyError: boom" in found and "TimeoutError" not in found
    broken = rita.client.get("/issues", params={"q": "service:(checkout OR"})
    assert broken.status_code == 400
    assert re.search(r'<pre class="query-error">service:\(checkout OR\n\s+\^</pre>', broken.text)


def test_add_case_then_attach_a_second_issue_and_follow_the_state_table(
    rita: Console, db: Engine
) -> None:
    first = _issue(db, "checkout", "KeyError")
    second = _issue(db, "checkout", "ValueError")
    with db.begin() as conn:
        AutomationRules(conn, now=datetime.now(UTC)).add(query="service:checkout", project="WEB")
    panel = rita.client.get(f"/issues/{first}").text
    # The project the first matching rule names is preselected, and the hint says why.
    assert '<option value="WEB" selected>' in panel
    assert "Rule 1 (service:checkout) routes this issue here." in panel
    token = rita.csrf(f"/issues/{first}")

    created = rita.client.post(
        f"/issues/{first}/case", data={"project": "WEB", "title": "", "csrf_token": token}
    )
    assert created.headers["location"] == f"/issues/{first}?done=created&case=WEB-1"
    assert _state(db, first) is IssueState.REVIEWED  # the seed: a new case reviews its issue

    search = rita.client.get(f"/issues/{second}", params={"case_q": "WEB-1"}).text
    assert 'name="case" value="WEB-1"' in search and "Attach to case" in search
    attached = rita.client.post(
        f"/issues/{second}/attach", data={"case": "WEB-1", "csrf_token": token}
    )
    assert attached.headers["location"] == f"/issues/{second}?done=attached&case=WEB-1"
    case_page = rita.client.get("/cases/WEB-1").text
    assert case_page.count('action="/issues/') == 2  # both listed, each with Unlink
    assert f'href="/issues/{first}"' in case_page and f'href="/issues/{second}"' in case_page

    for issue in (first, second):
        answer = rita.client.post(
            f"/issues/{issue}/state", data={"state": "RESOLVED", "csrf_token": token}
        )
        assert answer.status_code == 303
    assert _case_status(db, "WEB-1") is CaseStatus.CLOSED  # all issues resolved
    # The seed's first row: the case is CLOSED and all issues RESOLVED; one issue goes back
    # to FOR REVIEW: the case is OPEN, the other issue stays RESOLVED.
    rita.client.post(f"/issues/{first}/state", data={"state": "OPEN", "csrf_token": token})
    assert _case_status(db, "WEB-1") is CaseStatus.OPEN
    assert _state(db, second) is IssueState.RESOLVED

    unlinked = rita.client.post(
        f"/issues/{second}/unlink", data={"back": "/cases/WEB-1", "csrf_token": token}
    )
    assert unlinked.headers["location"] == "/cases/WEB-1"
    assert f'href="/issues/{second}"' not in rita.client.get("/cases/WEB-1").text


def test_a_chosen_project_wins_over_the_rules(rita: Console, db: Engine) -> None:
    issue = _issue(db, "checkout", "KeyError")
    with db.begin() as conn:
        AutomationRules(conn, now=datetime.now(UTC)).add(query="service:checkout", project="WEB")
    token = rita.csrf(f"/issues/{issue}")
    answer = rita.client.post(
        f"/issues/{issue}/case",
        data={"project": "OPS", "title": "Checkout KeyError", "priority": "P2",
              "csrf_token": token},
    )  # fmt: skip
    assert answer.headers["location"].endswith("case=OPS-1")
    with db.connect() as conn:
        case = CaseService(conn, now=datetime.now(UTC)).get("OPS-1")
    assert (case.title, case.priority.value) == ("Checkout KeyError", "P2")


def test_comment_and_assign_sync_to_the_case(rita: Console, db: Engine) -> None:
    issue = _issue(db, "checkout", "KeyError")
    token = rita.csrf(f"/issues/{issue}")
    no_project = rita.client.post(
        f"/issues/{issue}/case", data={"project": "", "csrf_token": token}
    )
    assert no_project.status_code == 400 and 'id="project-error"' in no_project.text
    rita.client.post(f"/issues/{issue}/case", data={"project": "OPS", "csrf_token": token})
    commented = rita.client.post(
        f"/issues/{issue}/comment", data={"comment": "rolling back", "csrf_token": token}
    )
    assert commented.status_code == 303
    panel = rita.client.get(f"/issues/{issue}").text
    assert "rolling back" in panel[panel.index('id="comments"') :]
    rita_id = re.search(r'<option value="([0-9a-f-]{36})">Rita</option>', panel)
    assert rita_id
    rita.client.post(
        f"/issues/{issue}/assignee", data={"assignee": rita_id.group(1), "csrf_token": token}
    )
    with db.connect() as conn:
        case = CaseService(conn, now=datetime.now(UTC)).get("OPS-1")
        timeline = [e.body for e in CaseService(conn, now=datetime.now(UTC)).timeline(case.id)]
    assert case.assignee_id == uuid.UUID(rita_id.group(1))
    assert "rolling back" in timeline


def test_a_viewer_reads_the_panel_and_changes_nothing(
    db: Engine, migrated_database_url: str
) -> None:
    issue = _issue(db, "checkout", "KeyError")
    with console(migrated_database_url) as vic:
        vic.sign_in("vic@example.com")
        panel = vic.client.get(f"/issues/{issue}")
        assert panel.status_code == 200 and "Occurrences" in panel.text
        assert "Actions" not in panel.text and 'method="post"' not in panel.text.split("<main")[1]
        token = vic.csrf("/issues")
        for path, data in (
            ("state", {"state": "RESOLVED"}),
            ("case", {"project": "OPS"}),
            ("comment", {"comment": "hi"}),
        ):
            forged = vic.client.post(f"/issues/{issue}/{path}", data={**data, "csrf_token": token})
            assert forged.status_code == 403
        assert vic.client.get("/issues/not-an-id").status_code == 404
    assert _state(db, issue) is IssueState.FOR_REVIEW
