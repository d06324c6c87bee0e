"""`/settings/rules`: admins add, edit, reorder and delete the ordered rules; everyone
tries them on a sample issue and sees each clause's result."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource
from bot.db.engine import make_engine
from bot.errortracking import AutomationRules, ErrorEvent, IssueService
from tests.builders import make_project
from tests.console.harness import Console, add_account, console


@pytest.fixture
def db(migrated_database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_database_url)
    with engine.begin() as conn:
        make_project(conn, name="Operations", key="OPS", handle="ops")
        make_project(conn, name="Web", key="WEB", handle="web")
    add_account(migrated_database_url, "ann@example.com", role="admin", name="Ann")
    add_account(migrated_database_url, "rita@example.com", role="responder", name="Rita")
    yield engine
    engine.dispose()


@pytest.fixture
def ann(db: Engine, migrated_database_url: str) -> Iterator[Console]:
    with console(migrated_database_url) as c:
        assert c.sign_in("ann@example.com").status_code == 303
        yield c


def _queries(db: Engine) -> list[str]:
    with db.connect() as conn:
        return [rule.query for rule in AutomationRules(conn, now=datetime.now(UTC)).list()]


def _add(c: Console, query: str, project: str, **extra: str) -> Any:
    return c.client.post(
        "/settings/rules",
        data={"query": query, "project": project, "csrf_token": c.csrf("/settings/rules"),
              **extra},
    )  # fmt: skip


def test_a_query_that_does_not_parse_says_where_and_what(ann: Console, db: Engine) -> None:
    answer = _add(ann, "service:(web OR", "WEB")
    assert answer.status_code == 400
    assert "expected a term at column 16" in answer.text
    assert '<pre class="query-error">service:(web OR\n               ^</pre>' in answer.text
    assert 'value="service:(web OR"' in answer.text  # kept to fix
    assert _queries(db) == []


def test_add_three_rules_reorder_them_and_test_an_issue(ann: Console, db: Engine) -> None:
    for query, project in (
        ("service:web-store -team:Shopist", "WEB"),
        ("team:Shopist", "OPS"),
        ("service:web-*", "WEB"),
    ):
        assert _add(ann, query, project).status_code == 303
    _add(ann, "env:prod", "OPS", auto_create="on", position="1")
    assert _queries(db) == [
        "env:prod", "service:web-store -team:Shopist", "team:Shopist", "service:web-*",
    ]  # fmt: skip
    page = ann.client.get("/settings/rules").text
    third = re.search(r'action="/settings/rules/([0-9a-f-]+)/move"', page.split('id="rule-3"')[1])
    assert third
    token = ann.csrf("/settings/rules")
    moved = ann.client.post(
        f"/settings/rules/{third.group(1)}/move", data={"direction": "up", "csrf_token": token}
    )
    assert moved.headers["location"] == "/settings/rules?done=moved&n=2"
    assert _queries(db)[1:3] == ["team:Shopist", "service:web-store -team:Shopist"]

    tried = ann.client.get(
        "/settings/rules", params={"test": "1", "service": "web-store", "team": "Shopist"}
    ).text
    assert "Rule 2 applies: cases go to OPS." in tried
    trial = tried[tried.index('id="trial"') :]
    assert '<code>-team:Shopist</code> <span class="verdict">does not match' in trial
    lines = re.search(r'<pre id="trial-lines">(.*?)</pre>', tried, re.S)
    assert lines and "    -team:Shopist  -&gt; does not match" in lines.group(1)


def test_edit_and_delete_a_rule(ann: Console, db: Engine) -> None:
    _add(ann, "service:checkout", "WEB")
    page = ann.client.get("/settings/rules").text
    rule_id = re.search(r'href="/settings/rules/([0-9a-f-]+)"', page)
    assert rule_id
    form = ann.client.get(f"/settings/rules/{rule_id.group(1)}").text
    assert 'value="service:checkout"' in form and '<option value="WEB" selected>' in form
    token = ann.csrf("/settings/rules")
    path = f"/settings/rules/{rule_id.group(1)}"
    bad = ann.client.post(path, data={"query": "team:(a", "project": "WEB", "csrf_token": token})
    assert bad.status_code == 400 and "query-problem" in bad.text
    changed = {"query": "service:checkout team:shop", "project": "OPS", "auto_create": "on"}
    saved = ann.client.post(path, data={**changed, "position": "1", "csrf_token": token})
    assert saved.headers["location"] == "/settings/rules?done=saved&n=1"
    assert _queries(db) == ["service:checkout team:shop"]
    ann.client.post(f"/settings/rules/{rule_id.group(1)}/delete", data={"csrf_token": token})
    assert _queries(db) == []


def test_a_recent_issue_is_tried_and_a_responder_only_reads(
    db: Engine, migrated_database_url: str
) -> None:
    with db.begin() as conn:
        now = datetime.now(UTC)
        AutomationRules(conn, now=now).add(query="service:checkout", project="WEB")
        issue = (
            IssueService(conn, now=now)
            .record(ErrorEvent("checkout", "KeyError"), actor=Actor(ActorSource.API, None, "tests"))
            .issue
        )
    with console(migrated_database_url) as rita:
        rita.sign_in("rita@example.com")
        page = rita.client.get("/settings/rules", params={"issue": str(issue.id)}).text
        assert "Rule 1 applies: cases go to WEB." in page
        assert "Add a rule" not in page and "Move up" not in page
        token = rita.csrf("/settings/rules")
        forged = rita.client.post(
            "/settings/rules", data={"query": "team:x", "project": "OPS", "csrf_token": token}
        )
        assert forged.status_code == 403
    assert _queries(db) == ["service:checkout"]
