"""`casebot cases list|show`, through `bot.cli.main`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.cli import main
from bot.core.cases import Actor, ActorSource, CreationSource
from bot.services.cases import CaseService
from tests.builders import API, NOW, make_project, make_user

LATER = NOW + timedelta(minutes=3)


@pytest.fixture
def url(migrated_database_url: str, engine: Engine) -> str:
    """OPS-1 (open, with a history), OPS-2 (closed), SEC-1 (archived)."""
    with engine.begin() as conn:
        ops = make_project(conn, name="Operations", key="OPS", handle="ops")
        sec = make_project(conn, name="Security", key="SEC", handle="sec")
        ada = make_user(conn, name="Ada")
        service = CaseService(conn, now=NOW)
        first = service.create_case(
            project=ops,
            title="Disk full on web-1",
            description="Disk at 97%\non /var",
            priority="P2",
            attributes={"service": ["web"], "env": ["prod"]},
            creation_source=CreationSource.MONITOR,
            actor=Actor.monitor(),
        )
        second = service.create_case(project=ops, title="CPU high", actor=API)
        third = service.create_case(project=sec, title="Leaked key", actor=API)
        later = CaseService(conn, now=LATER)
        slack = Actor(ActorSource.SLACK, ada.id, "Ada")
        later.assign(first, ada.id, actor=slack)
        later.comment(first, "looking into it", actor=slack)
        later.set_status(second, "CLOSED", actor=API)
        later.archive(third, actor=API)
    return migrated_database_url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cases_list_shows_unarchived_cases_newest_first(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "cases", "list", "--database-url", url)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["KEY", "STATUS", "PRIORITY", "CREATED", "TITLE"]
    assert [line.split()[0] for line in lines[1:]] == ["OPS-2", "OPS-1"]
    assert lines[2].split() == [
        "OPS-1",
        "OPEN",
        "P2",
        "2026-11-23",
        "09:00",
        "Disk",
        "full",
        "on",
        "web-1",
    ]


@pytest.mark.parametrize(
    ("filters", "keys"),
    [
        (["--status", "closed"], ["OPS-2"]),
        (["--status", "In Progress"], []),
        (["--project", "sec"], []),
        (["--project", "sec", "--archived"], ["SEC-1"]),
        (["--project", "OPS", "--status", "OPEN"], ["OPS-1"]),
    ],
    ids=["status", "status name", "archived hidden", "archived shown", "project key and status"],
)
def test_cases_list_filters(
    url: str, capsys: pytest.CaptureFixture[str], filters: list[str], keys: list[str]
) -> None:
    code, out, _ = _run(
        capsys, "cases", "list", *filters, "--format", "json", "--database-url", url
    )
    assert code == 0
    assert [case["key"] for case in json.loads(out)] == keys


def test_cases_list_refuses_unknown_status_and_project(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "cases", "list", "--status", "DONE", "--database-url", url)
    assert code == 1 and "unknown status 'DONE'" in err
    code, _, err = _run(capsys, "cases", "list", "--project", "nope", "--database-url", url)
    assert code == 1 and "no project nope" in err


def test_cases_show_prints_the_case_and_its_timeline(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "cases", "show", "ops-1", "--database-url", url)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "OPS-1  Disk full on web-1"
    assert "  Project:   Operations (OPS)" in lines
    assert "  Assignee:  Ada" in lines
    assert "  service:   web" in lines
    timeline = lines[lines.index("Timeline:") + 1 :]
    assert [line.split()[2] for line in timeline] == ["created", "assignee", "comment"]
    assert timeline[2].endswith("Ada: looking into it")


def test_cases_show_json_includes_the_timeline(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "cases", "show", "OPS-1", "--format", "json", "--database-url", url)
    assert code == 0
    case = json.loads(out)
    assert (case["key"], case["project"], case["status"], case["priority"]) == (
        "OPS-1",
        "OPS",
        "OPEN",
        "P2",
    )
    assert case["attributes"] == {"service": ["web"], "env": ["prod"]}
    assert case["creation_source"] == "MONITOR"
    assert [e["kind"] for e in case["timeline"]] == ["created", "assignee", "comment"]
    comment = case["timeline"][2]
    assert comment["body"] == "looking into it"
    assert comment["actor"]["source"] == "slack"
    assert comment["created_at"] == LATER.isoformat()


def test_cases_show_an_unknown_key(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "cases", "show", "OPS-99", "--database-url", url)
    assert (code, out) == (1, "")
    assert "no case OPS-99" in err


def test_output_into_a_pipe_closed_early_ends_quietly(engine: Engine, url: str) -> None:
    """`casebot cases show OPS-3 | head -1`: no traceback when the reader goes away."""
    import subprocess
    import sys

    with engine.begin() as conn:
        CaseService(conn, now=NOW).create_case(
            project="OPS", title="Long", description="line of text\n" * 7_000, actor=API
        )
    command = [sys.executable, "-m", "bot.cli", "cases", "show", "OPS-3", "--database-url", url]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as shown:
        assert shown.stdout is not None and shown.stderr is not None
        assert shown.stdout.readline().startswith(b"OPS-3")
        shown.stdout.close()  # the reader is gone, with most of the output unread
        errors = shown.stderr.read().decode()
        assert shown.wait(timeout=60) == 141
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors
