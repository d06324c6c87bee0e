"""The case pages over HTTP: New Case, the list and its search, the case page's
changes and comments, stale forms, bulk changes, and what viewers may do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource
from bot.db.engine import make_engine
from bot.services.cases import CaseService
from bot.services.users import UserReader
from tests.builders import make_case, make_project
from tests.console.harness import Console, add_account, console, csrf_of


@pytest.fixture
def db(migrated_database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_database_url)
    with engine.begin() as conn:
        make_project(conn, name="Operations", key="OPS", handle="ops")
    add_account(migrated_database_url, "rita@example.com", role="responder", name="Rita")
    add_account(migrated_database_url, "vic@example.com", role="viewer", name="Vic")
    yield engine
    engine.dispose()


@pytest.fixture
def rita(db: Engine, migrated_database_url: str) -> Iterator[Console]:
    with console(migrated_database_url) as c:
        assert c.sign_in("rita@example.com").status_code == 303
        yield c


def _new_case(c: Console, **fields: str) -> object:
    form = {"project": "OPS", "type": "STANDARD", "title": "Disk full on db-1",
            "description": "", "priority": "P2", **fields}  # fmt: skip
    form["csrf_token"] = csrf_of(c.client.get("/cases/new").text)
    return c.client.post("/cases/new", data=form)


def test_new_case_opens_the_case_page(rita: Console, db: Engine) -> None:
    page = rita.client.get("/cases/new").text
    for label in ("Project", "Type", "Title", "Description", "Priority"):
        assert re.search(rf'<label for="\w+">{label}</label>', page), label
    answer = _new_case(rita, description="**Runbook**: free space")
    assert (answer.status_code, answer.headers["location"]) == (303, "/cases/OPS-1")
    case = rita.client.get("/cases/OPS-1").text
    assert "Disk full on db-1" in case and "<strong>Runbook</strong>" in case
    with db.connect() as conn:
        created = CaseService(conn, now=datetime.now(UTC)).get("OPS-1")
    assert created.creation_source == "MANUAL"
    assert created.created_by is not None


def test_new_case_shows_errors_next_to_their_fields(rita: Console) -> None:
    answer = _new_case(rita, title="  ", project="")
    assert answer.status_code == 400
    assert '<p class="error" id="title-error">A case needs a title.</p>' in answer.text
    assert '<p class="error" id="project-error">Choose a project.</p>' in answer.text
    bad_type = _new_case(rita, type="not a type!")
    assert bad_type.status_code == 400 and 'id="type-error"' in bad_type.text


def test_the_list_searches_with_the_query_language(rita: Console, db: Engine) -> None:
    with db.begin() as conn:
        project = make_project(conn, name="Web", key="WEB", handle="web")
        make_case(conn, project, title="Disk full on web-1", priority="P1")
        make_case(conn, project, title="Slow checkout", priority="P3")
    page = rita.client.get("/cases", params={"q": 'priority:(P1 OR P2) "disk full"'}).text
    assert "WEB-1" in page and "WEB-2" not in page
    for column in ("Key", "Title", "Status", "Priority", "Type", "Assignee", "Project", "Created"):
        assert f">{column}" in page
    broken = rita.client.get("/cases", params={"q": "status:open (P1"}).text
    assert "expected &#39;)&#39; at column 16" in broken
    assert 'aria-invalid="true"' in broken
    assert re.search(r'<pre class="query-error">status:open \(P1\n {15}\^</pre>', broken)


def test_sorting_and_paging_live_in_the_url(rita: Console, db: Engine) -> None:
    with db.begin() as conn:
        project = make_project(conn, name="Web", key="WEB", handle="web")
        for n in range(55):
            make_case(conn, project, title=f"Case {n:02d}")
    first = rita.client.get("/cases?sort=title&dir=asc").text
    assert first.index("Case 00") < first.index("Case 01")
    assert "page 1 of 2" in first and 'href="/cases?sort=title&amp;dir=asc&amp;page=2"' in first
    second = rita.client.get("/cases?sort=title&dir=asc&page=2").text
    assert "Case 54" in second and "Case 00" not in second


def _edit(c: Console, key: str, **changes: str) -> object:
    page = c.client.get(f"/cases/{key}").text
    form = dict(
        re.findall(
            r'<input type="hidden" name="(was_\w+|version|csrf_token)" value="([^"]*)"', page
        )
    )
    fields = {name[4:]: value for name, value in form.items() if name.startswith("was_")}
    description = re.search(
        r'<textarea id="description" name="description"[^>]*>([^<]*)</textarea>', page
    )
    fields["description"] = description.group(1) if description else ""
    fields.update(changes)
    return c.client.post(f"/cases/{key}/edit", data={**form, **fields})


def test_status_priority_and_assignee_change_on_the_case_page(rita: Console, db: Engine) -> None:
    _new_case(rita)
    with db.connect() as conn:
        rita_id = next(p.id for p in UserReader(conn).list()
                       if p.name == "Rita")  # fmt: skip
    answer = _edit(rita, "OPS-1", status="IN_PROGRESS", priority="P1", assignee=str(rita_id))
    assert answer.status_code == 303
    page = rita.client.get("/cases/OPS-1").text
    assert 'id="case-status">In Progress<' in page
    assert "<dt>Assignee</dt><dd>Rita</dd>" in page
    assert "Priority changed from P2 to P1" in page


def test_a_stale_form_says_what_changed_instead_of_overwriting(rita: Console, db: Engine) -> None:
    _new_case(rita)
    page = rita.client.get("/cases/OPS-1").text  # the form, as shown before the change
    with db.begin() as conn:
        CaseService(conn, now=datetime.now(UTC)).set_priority(
            "OPS-1", "P4", actor=Actor(ActorSource.API, None, "runbooks")
        )
    form = dict(
        re.findall(
            r'<input type="hidden" name="(was_\w+|version|csrf_token)" value="([^"]*)"', page
        )
    )
    fields = {name[4:]: value for name, value in form.items() if name.startswith("was_")}
    answer = rita.client.post(
        "/cases/OPS-1/edit", data={**form, **fields, "priority": "P1", "description": ""}
    )
    assert answer.status_code == 409
    assert "Priority was changed by runbooks" in answer.text and "it is now P4" in answer.text
    with db.connect() as conn:
        assert CaseService(conn, now=datetime.now(UTC)).get("OPS-1").priority == "P4"


def test_a_security_case_asks_for_its_closing_reason(rita: Console, db: Engine) -> None:
    _new_case(rita, type="SECURITY")
    refused = _edit(rita, "OPS-1", status="CLOSED")
    assert refused.status_code == 400 and 'id="closing_reason-error"' in refused.text
    closed = _edit(rita, "OPS-1", status="CLOSED", closing_reason="false_positive")
    assert closed.status_code == 303
    assert 'id="case-status">Closed<' in rita.client.get("/cases/OPS-1").text


def test_a_comment_with_a_script_shows_as_text(rita: Console) -> None:
    _new_case(rita)
    csrf = rita.csrf("/cases/OPS-1")
    text = "see <script>alert('x')</script> **now**"
    assert (
        rita.client.post(
            "/cases/OPS-1/comment", data={"comment": text, "csrf_token": csrf}
        ).status_code
        == 303
    )
    page = rita.client.get("/cases/OPS-1")
    assert "&lt;script&gt;alert('x')&lt;/script&gt; <strong>now</strong>" in page.text
    assert "<script>alert" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_bulk_changes_apply_to_the_selected_cases(rita: Console, db: Engine) -> None:
    for n in range(3):
        _new_case(rita, title=f"Case {n}")
    _new_case(rita, title="Secret", type="SECURITY")
    csrf = rita.csrf()
    done = rita.client.post("/cases/bulk", data={
        "csrf_token": csrf, "case": ["OPS-1", "OPS-2", "OPS-3"], "action": "priority",
        "priority": "P1", "back": "/cases"})  # fmt: skip
    assert (done.status_code, done.headers["location"]) == (303, "/cases?updated=3")
    refused = rita.client.post("/cases/bulk", data={
        "csrf_token": csrf, "case": ["OPS-1", "OPS-4"], "action": "status",
        "status": "CLOSED", "back": "/cases"})  # fmt: skip
    assert refused.status_code == 400
    assert "OPS-4 is a SECURITY case: choose a closing reason" in refused.text
    with db.connect() as conn:
        service = CaseService(conn, now=datetime.now(UTC))
        assert [service.get(f"OPS-{n}").priority for n in (1, 2, 3)] == ["P1"] * 3
        assert service.get("OPS-1").status == "OPEN"  # nothing of a refused bulk change


def test_a_viewer_sees_no_controls_and_cannot_change_anything(
    db: Engine, migrated_database_url: str
) -> None:
    with console(migrated_database_url) as rita:
        rita.sign_in("rita@example.com")
        _new_case(rita)
    with console(migrated_database_url) as vic:
        vic.sign_in("vic@example.com")
        listing = vic.client.get("/cases").text
        page = vic.client.get("/cases/OPS-1").text
        assert "OPS-1" in listing and "Disk full on db-1" in page
        for html in (listing, page):
            assert "New case" not in html and "Save changes" not in html
            assert "Add comment" not in html and 'name="case"' not in html
        assert vic.client.get("/cases/new").status_code == 403
        csrf = csrf_of(page)  # the viewer's own token: the forged POST is otherwise valid
        forged = vic.client.post("/cases/OPS-1/comment", data={"comment": "hi", "csrf_token": csrf})
        assert forged.status_code == 403


def test_a_post_without_the_csrf_token_is_refused(rita: Console) -> None:
    _new_case(rita)
    answer = rita.client.post("/cases/OPS-1/comment", data={"comment": "hello"})
    assert answer.status_code == 403
    assert "hello" not in rita.client.get("/cases/OPS-1").text


def test_a_signed_in_person_sees_the_whole_case_from_a_slack_link(rita: Console) -> None:
    _new_case(rita, description="the details")
    page = rita.client.get("/cases/OPS-1?exp=1&sig=whatever")
    assert page.status_code == 200 and "the details" in page.text


def test_a_moved_case_is_found_at_its_old_key(rita: Console, db: Engine) -> None:
    _new_case(rita)
    with db.begin() as conn:
        make_project(conn, name="Web", key="WEB", handle="web")
        CaseService(conn, now=datetime.now(UTC)).move_to_project(
            "OPS-1", "WEB", actor=Actor(ActorSource.API, None, "tests")
        )
    answer = rita.client.get("/cases/OPS-1")
    assert (answer.status_code, answer.headers["location"]) == (301, "/cases/WEB-1")
    assert rita.client.get("/cases/OPS-9").status_code == 404


def test_the_case_page_shows_its_monitor_group_cycle_and_linked_issues(
    rita: Console, db: Engine
) -> None:
    from bot.errortracking import ErrorEvent, IssueService
    from tests.console.harness import WEBHOOK_TOKEN
    from tests.engine.builders import generic_body

    auth = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    alert = generic_body("Alert", at="2026-11-20T09:00:00Z", delivery_id="page-1")
    assert rita.client.post("/webhooks/generic", content=alert, headers=auth).status_code == 202
    person = Actor(ActorSource.API, None, "tests")
    with db.begin() as conn:
        issues = IssueService(conn, now=datetime.now(UTC))
        issue = issues.record(ErrorEvent("checkout", "DiskFullError"), actor=person).issue
        issues.link(issue.id, "OPS-1", actor=person)
    page = rita.client.get("/cases/OPS-1").text
    facts = page[page.index('id="case-facts"') :]
    assert "<code>host:web-1</code>" in facts and "now <strong>Alert</strong>" in facts
    assert "alert cycle 1" in facts
    assert "DiskFullError · checkout" in facts
    timeline = page[page.index('id="timeline"') :]
    assert "OK → Alert" in timeline  # the transition, with the rendered notification:
    assert "Disk full on web-1." in timeline
