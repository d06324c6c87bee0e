"""`casebot rules list|add|remove|test` and `casebot issues`, through `bot.cli.main`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.cli import main
from bot.core.cases import Actor, CaseStatus
from bot.db.engine import make_engine
from bot.errortracking import ErrorEvent, IssueService
from bot.services.cases import CaseService


def _run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--database-url", url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def url(database_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    for key in ("WEB", "OPS"):
        code, _, err = _run(
            capsys, database_url, "project", "add", "--name", key.title(), "--key", key,
            "--handle", key.lower(),
        )  # fmt: skip
        assert code == 0, err
    return database_url


def _add(
    capsys: pytest.CaptureFixture[str], url: str, query: str, project: str, *extra: str
) -> str:
    code, out, err = _run(
        capsys, url, "rules", "add", "--query", query, "--project", project, *extra
    )
    assert code == 0, err
    return out


def test_rules_test_names_the_first_match_and_each_clause(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(capsys, url, "service:web-store -team:Shopist", "WEB")
    _add(capsys, url, "team:Shopist OR service:checkout*", "OPS", "--auto-create")

    code, out, _ = _run(capsys, url, "rules", "test", "--service", "web-store", "--team", "Shopist")

    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Issue: service:web-store team:Shopist"
    assert lines[1].startswith("1. rule ") and lines[1].endswith("-> project WEB: does not match")
    assert lines[2:6] == [
        "  all of: service:web-store -team:Shopist  -> does not match",
        "    service:web-store  -> matches",
        "    -team:Shopist  -> does not match",
        "      team:Shopist  -> matches",
    ]
    assert lines[6].endswith(
        "-> project OPS, auto-create: matches (first match: this rule applies)"
    )
    assert lines[-1] == "=> rule 2 applies: cases go to OPS and opens a case at once."


def test_rules_test_without_a_match_exits_1(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _add(capsys, url, "service:web-store", "WEB")
    code, out, _ = _run(capsys, url, "rules", "test", "--service", "billing")
    assert code == 1
    assert out.splitlines()[-1] == "no rule matches"


def test_rules_add_refuses_a_bad_query_with_its_column(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        capsys, url, "rules", "add", "--query", "service:(web OR", "--project", "WEB"
    )
    assert code == 1
    assert out == ""
    assert "expected a term at column 16" in err
    assert err.splitlines()[-2:] == ["  service:(web OR", "                 ^"]
    assert _run(capsys, url, "rules", "list")[1].startswith("No rules yet")


def test_rules_add_at_a_position_then_list_and_remove(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(capsys, url, "service:a", "WEB")
    _add(capsys, url, "service:b", "OPS")
    _add(capsys, url, "service:c", "OPS", "--position", "1")
    code, out, _ = _run(capsys, url, "rules", "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [(r["position"], r["query"], r["project"]) for r in listed] == [
        (1, "service:c", "OPS"),
        (2, "service:a", "WEB"),
        (3, "service:b", "OPS"),
    ]
    assert _run(capsys, url, "rules", "remove", listed[0]["id"])[0] == 0
    after = json.loads(_run(capsys, url, "rules", "list", "--format", "json")[1])
    assert [(r["position"], r["query"]) for r in after] == [(1, "service:a"), (2, "service:b")]


def test_rules_test_a_query_alone(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, url, "rules", "test", "--service", "web-store", "--query", "service:web*"
    )
    assert (code, out) == (0, "service:web*  -> matches\n")


def test_issues_case_uses_the_default_project_then_links(
    url: str, engine_for: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    with engine_for.begin() as conn:
        service = IssueService(conn, now=now)
        first = service.record(ErrorEvent("api", "KeyError"), actor=Actor("cli")).issue
        second = service.record(ErrorEvent("api", "ValueError"), actor=Actor("cli")).issue

    code, _, err = _run(capsys, url, "issues", "case", str(first.id))
    assert code == 1 and "no project was named" in err

    assert _run(capsys, url, "issues", "default-project", "ops")[0] == 0
    code, out, _ = _run(capsys, url, "issues", "case", str(first.id))
    assert (code, out) == (0, "Created case OPS-1 (In Progress): KeyError\n")
    code, out, _ = _run(capsys, url, "issues", "case", str(second.id), "--case", "OPS-1")
    assert (code, out) == (0, "Linked to case OPS-1 (In Progress): KeyError\n")

    with engine_for.begin() as conn:
        assert CaseService(conn, now=now).get("OPS-1").status is CaseStatus.IN_PROGRESS
        linked = IssueService(conn, now=now).linked("OPS-1")
    assert {issue.id for issue in linked} == {first.id, second.id}
    code, out, _ = _run(capsys, url, "issues", "list", "--state", "REVIEWED", "--format", "json")
    assert {row["id"] for row in json.loads(out)} == {str(first.id), str(second.id)}


@pytest.fixture
def engine_for(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
