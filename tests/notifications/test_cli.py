"""`casebot destinations add|list|test|remove` and `casebot notifications outbox|retry`,
run as the command line runs them, against local receivers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.cli import main
from bot.core.cases import Actor
from bot.db.engine import make_engine
from tests.builders import make_project
from tests.fakes.receivers import HttpReceiver, http_receiver, mail_receiver
from tests.notifications.delivery import HOOK, Changes, add_rule, sending, settings, wait_settled


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as found:
        yield found


@pytest.fixture
def db(migrated_database_url: str) -> Iterator[tuple[str, Engine]]:
    engine = make_engine(migrated_database_url)
    yield migrated_database_url, engine
    engine.dispose()


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--database-url", url])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_test_and_remove(
    capsys: pytest.CaptureFixture[str],
    db: tuple[str, Engine],
    receiver: HttpReceiver,
) -> None:
    url, _engine = db
    hook = f"{receiver.url}/hook"
    code, out, _ = run(
        capsys, url, "destinations", "add", "ops-hook", "--kind", "webhook", "--url", hook
    )
    assert code == 0 and out.startswith(
        f"added webhook destination ops-hook: {hook}\nsigning secret: "
    )
    pager = f"{receiver.url}/pagerduty"
    assert (
        run(
            capsys,
            url,
            "destinations",
            "add",
            "ops-pager",
            "--kind",
            "pagerduty",
            "--routing-key",
            "R0123456789",
            "--events-url",
            pager,
        )[0]
        == 0
    )
    code, _, err = run(
        capsys, url, "destinations", "add", "bad", "--kind", "teams", "--url", "ftp://x"
    )
    assert (code, err) == (
        1,
        "casebot destinations: --url: must be an http(s) URL, got 'ftp://x'\n",
    )
    code, out, _ = run(capsys, url, "destinations", "list")
    assert out.splitlines() == [
        "NAME       KIND       TARGET",
        f"ops-hook   webhook    {hook}",
        f"ops-pager  pagerduty  routing key …6789 via {pager}",
    ]
    code, out, _ = run(capsys, url, "destinations", "test", "ops-hook")
    assert (code, out) == (0, 'ops-hook: 200 OK: {"status":"success"}\n')
    assert receiver.on("/hook")[0].json()["case"]["title"] == "A test notification from casebot"
    code, out, _ = run(capsys, url, "destinations", "test", "ops-pager")
    assert code == 0
    events = [r.json() for r in receiver.on("/pagerduty")]
    assert [e["event_action"] for e in events] == ["trigger", "resolve"]
    receiver.script["/hook"] = [500]
    code, _, err = run(capsys, url, "destinations", "test", "ops-hook")
    assert code == 1 and err.startswith("ops-hook: failed: the receiver answered 500\nanswer: 500")
    assert (
        run(capsys, url, "destinations", "remove", "ops-hook")[1]
        == "removed webhook destination ops-hook\n"
    )
    code, _, err = run(capsys, url, "destinations", "remove", "ops-hook")
    assert (code, err) == (1, "casebot destinations: no destination ops-hook\n")


def test_a_mail_destination_test_reaches_the_smtp_server(
    capsys: pytest.CaptureFixture[str], db: tuple[str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _engine = db
    with mail_receiver() as smtp:
        monkeypatch.setenv("CASEBOT_SMTP_HOST", smtp.host)
        monkeypatch.setenv("CASEBOT_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("CASEBOT_MAIL_FROM", "casebot@example.com")
        assert (
            run(
                capsys,
                url,
                "destinations",
                "add",
                "ops-mail",
                "--kind",
                "email",
                "--address",
                "ops@example.com",
            )[0]
            == 0
        )
        code, out, _ = run(capsys, url, "destinations", "test", "ops-mail")
        assert (code, out) == (0, "ops-mail: 250 accepted for ops@example.com\n")
        (sent,) = smtp.messages
    assert sent["From"] == "casebot@example.com"
    assert sent["Subject"].endswith("A test notification from casebot")


def test_the_outbox_shows_what_was_sent_where_and_retries_a_failure(
    capsys: pytest.CaptureFixture[str], db: tuple[str, Engine], receiver: HttpReceiver
) -> None:
    url, engine = db
    assert (
        run(
            capsys,
            url,
            "destinations",
            "add",
            "ops-hook",
            "--kind",
            "webhook",
            "--url",
            f"{receiver.url}/hook",
        )[0]
        == 0
    )
    with engine.begin() as conn:
        project = make_project(conn, key="OPS", handle="ops", name="Ops")
        add_rule(conn, project, "", HOOK)
    receiver.script["/hook"] = [403]
    Changes(engine)(lambda s: s.create_case(project=project, title="one", actor=Actor.monitor()))
    with sending(engine, settings(None)):
        wait_settled(engine, sent=0, failed=1)
        _, out, _ = run(capsys, url, "notifications", "outbox", "--status", "failed")
        header, row = out.splitlines()
        assert header.split() == [
            "ID",
            "CASE",
            "TO",
            "KIND",
            "STATUS",
            "TRIES",
            "CHANGES",
            "SENT",
            "ANSWER",
        ]
        assert row.split()[1:7] == ["OPS-1", "ops-hook", "webhook", "failed", "1", "1"]
        assert "the receiver refused it (403) — 403 Forbidden" in row
        message_id = row.split()[0]
        assert (
            run(capsys, url, "notifications", "retry", message_id)[1]
            == f"notification {message_id} will be sent again\n"
        )
        wait_settled(engine, sent=1)
    _, out, _ = run(capsys, url, "notifications", "outbox")
    assert out.splitlines()[1].split()[1:7] == ["OPS-1", "ops-hook", "webhook", "sent", "2", "1"]
    assert run(capsys, url, "notifications", "retry", message_id)[0] == 1
