"""`/settings/notifications`, as an admin uses it: add a destination (a mistake named at
its field), send it a test and see the answer, read the outbox with a failure's reason
and Retry it; nobody but admins sees or changes any of it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.core.cases import Actor
from bot.db.engine import make_engine
from bot.notify.webhook import signature
from tests.builders import make_project
from tests.console.harness import Console, add_account, console, csrf_of
from tests.fakes.receivers import HttpReceiver, http_receiver
from tests.notifications.delivery import HOOK, Changes, add_rule, sending, settings, wait_settled

PAGE = "/settings/notifications"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as found:
        yield found


@pytest.fixture
def db(migrated_database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_database_url)
    add_account(migrated_database_url, "ann@example.com", role="admin", name="Ann")
    add_account(migrated_database_url, "rita@example.com", role="responder", name="Rita")
    yield engine
    engine.dispose()


@pytest.fixture
def ann(db: Engine, migrated_database_url: str) -> Iterator[Console]:
    with console(migrated_database_url) as c:
        assert c.sign_in("ann@example.com").status_code == 303
        yield c


def _post(c: Console, path: str, **form: str) -> Any:
    return c.client.post(path, data={**form, "csrf_token": csrf_of(c.client.get(PAGE).text)})


def _notice(page: str) -> str:
    found = re.search(r'<p class="success" role="status" id="notice">([^<]*)</p>', page)
    assert found, "no notice on the page"
    return html.unescape(found.group(1))


def test_add_a_webhook_and_test_it(ann: Console, receiver: HttpReceiver) -> None:
    answer = ann.client.post(PAGE + "/destinations", data={
        "name": "ops-hook", "kind": "webhook", "url": f"{receiver.url}/hook",
        "csrf_token": csrf_of(ann.client.get(PAGE).text),
    })  # fmt: skip
    assert answer.status_code == 200
    secret = _notice(answer.text).rsplit("Its signing secret: ", 1)[1]
    page = ann.client.get(PAGE).text
    row = r'<tr id="destination-ops-hook">\s*<th scope="row">ops-hook</th>\s*<td>webhook</td>'
    assert re.search(rf"{row}\s*<td><code>{receiver.url}/hook</code></td>", page)
    tested = _post(ann, PAGE + "/destinations/ops-hook/test")
    assert _notice(tested.text).startswith("ops-hook answered: 200")
    (sample,) = receiver.on("/hook")
    stamp = sample.headers["X-Casebot-Timestamp"]
    assert sample.headers["X-Casebot-Signature"] == signature(secret, stamp, sample.body)
    assert sample.json()["changes"][0]["text"] == "This is a test of the destination ops-hook."


def test_a_mistake_is_named_at_its_field_and_nothing_is_added(ann: Console) -> None:
    answer = ann.client.post(PAGE + "/destinations", data={
        "name": "<b>hook</b>", "kind": "webhook", "csrf_token": csrf_of(ann.client.get(PAGE).text),
    })  # fmt: skip
    assert answer.status_code == 400
    assert '<p class="error" id="url-error">A webhook destination needs it.</p>' in answer.text
    assert 'value="&lt;b&gt;hook&lt;/b&gt;"' in answer.text and "<b>hook" not in answer.text
    assert "No destinations yet" in ann.client.get(PAGE).text


def test_a_test_that_fails_says_why(ann: Console, receiver: HttpReceiver) -> None:
    receiver.script["/down"] = [500]
    _post(ann, PAGE + "/destinations", name="ops-teams", kind="teams", url=f"{receiver.url}/down")
    failed = _post(ann, PAGE + "/destinations/ops-teams/test")
    assert re.search(r'id="failure">The test of ops-teams failed: [^<]*500', failed.text)


def test_the_outbox_shows_a_failure_and_retries_it(
    ann: Console, db: Engine, receiver: HttpReceiver
) -> None:
    _post(ann, PAGE + "/destinations", name="ops-hook", kind="webhook", url=f"{receiver.url}/hook",
          secret="a-long-shared-secret")  # fmt: skip
    with db.begin() as conn:
        project = make_project(conn, key="OPS", handle="ops", name="Ops")
        add_rule(conn, project, "", HOOK)
    receiver.script["/hook"] = [403]
    Changes(db)(lambda s: s.create_case(project=project, title="one", actor=Actor.monitor()))
    with sending(db, settings(None)):
        wait_settled(db, sent=0, failed=1)
        page = ann.client.get(PAGE, params={"status": "failed"}).text
        row = re.search(r'<tr id="message-(\d+)">(.*?)</tr>', page, re.S)
        assert row, "no failed message on the page"
        cells = [html.unescape(c.strip()) for c in re.findall(r"<td>(.*?)</td>", row[2], re.S)]
        failed = '<span class="outcome outcome-failed">failed</span>'
        assert cells[1:5] == ['<a href="/cases/OPS-1">OPS-1</a>', "ops-hook", "webhook", failed]
        # Tries: the console's own sender may claim the message too, so at least one.
        assert cells[5].isdigit() and int(cells[5]) >= 1
        assert "the receiver refused it (403)" in cells[8]
        retried = _post(ann, f"{PAGE}/outbox/{row.group(1)}/retry")
        assert retried.status_code == 303
        wait_settled(db, sent=1)
    assert "outcome-sent" in ann.client.get(PAGE).text
    again = _post(ann, f"{PAGE}/outbox/{row.group(1)}/retry")
    assert again.status_code == 409


def test_only_admins_see_or_change_it(db: Engine, migrated_database_url: str) -> None:
    with console(migrated_database_url) as rita:
        assert rita.sign_in("rita@example.com").status_code == 303
        cases = rita.client.get("/cases").text
        assert PAGE not in cases
        assert rita.client.get(PAGE).status_code == 403
        forged = rita.client.post(PAGE + "/destinations", data={
            "name": "x", "kind": "webhook", "url": "http://127.0.0.1:9/x",
            "csrf_token": csrf_of(cases),
        })  # fmt: skip
        assert forged.status_code == 403
    with console(migrated_database_url) as ann:
        assert ann.sign_in("ann@example.com").status_code == 303
        assert ann.client.post(PAGE + "/destinations", data={"name": "x"}).status_code == 403
        assert "No destinations yet" in ann.client.get(PAGE).text
