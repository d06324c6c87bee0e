"""`casebot project add|update|list` and `casebot db upgrade`, through `bot.cli.main`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.cli import main
from bot.db.migrate import alembic_config


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_db_upgrade_reports_the_revisions(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "db", "upgrade", "--database-url", database_url)
    assert code == 0
    shipped = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert out.endswith(f"is up to date (revisions: {', '.join(sorted(shipped))})\n")
    again = _run(capsys, "db", "upgrade", "--database-url", database_url)
    assert again == (0, out, "")


def test_project_add_then_list(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "project", "add", "--name", "Operations", "--key", "OPS", "--handle", "ops",
        "--database-url", database_url,
    )  # fmt: skip
    assert code == 0
    assert out.splitlines() == [
        "Created project OPS (Operations).",
        "Mention @case-ops in a monitor message to open cases in it.",
    ]
    code, out, _ = _run(
        capsys,
        "project", "add", "--name", "Security", "--key", "SEC", "--handle", "sec",
        "--no-auto-close", "--slack-channel", "#sec", "--default-type", "SECURITY",
        "--database-url", database_url,
    )  # fmt: skip
    assert code == 0

    code, out, _ = _run(capsys, "project", "list", "--database-url", database_url)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["KEY", "HANDLE", "NAME", "MONITOR", "AUTO-CLOSE", "TYPE", "SLACK"]
    assert lines[1].split() == ["OPS", "@case-ops", "Operations", "on", "on", "STANDARD", "-"]
    assert lines[2].split() == ["SEC", "@case-sec", "Security", "on", "off", "SECURITY", "#sec"]

    code, out, _ = _run(
        capsys, "project", "list", "--format", "json", "--database-url", database_url
    )
    listed = json.loads(out)
    assert [(p["key"], p["handle"], p["auto_close"]) for p in listed] == [
        ("OPS", "ops", True),
        ("SEC", "sec", False),
    ]
    assert listed[1]["slack_channel"] == "#sec"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--key", "ops", "--handle", "ops"], "did you mean 'OPS'"),
        (["--key", "CASE", "--handle", "ops"], "reserved"),
        (["--key", "OPS", "--handle", "Ops"], "lowercase"),
        (["--key", "OPS", "--handle", "ops", "--default-type", "bad type!"], "case type"),
    ],
    ids=["lowercase key", "reserved key", "uppercase handle", "bad type"],
)
def test_project_add_refuses_bad_values(
    database_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = _run(
        capsys, "project", "add", "--name", "Ops", *argv, "--database-url", database_url
    )
    assert code == 1
    assert out == ""
    assert err.startswith("casebot: ") and message in err


def test_project_add_refuses_a_taken_key(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["project", "add", "--name", "Ops", "--database-url", database_url]
    assert _run(capsys, *base, "--key", "OPS", "--handle", "ops")[0] == 0
    code, _, err = _run(capsys, *base, "--key", "OPS", "--handle", "ops2")
    assert code == 1
    assert "key 'OPS' is already used" in err


def test_project_list_on_an_empty_database_says_how_to_add_one(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "project", "list", "--database-url", database_url)
    assert code == 0
    assert "casebot project add" in out


def test_an_unusable_database_is_named_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'casebot.db'}"
    with pytest.raises(SystemExit) as exited:
        main(["project", "list", "--database-url", url])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"casebot: cannot use the database {url}: ")
    assert len(err.strip().splitlines()) == 1


def test_project_add_if_missing_succeeds_once_the_project_exists(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["project", "add", "--name", "Storage", "--key", "STORAGE", "--handle", "storage",
           "--if-missing", "--database-url", database_url]  # fmt: skip
    code, out, _ = _run(capsys, *add)
    assert (code, out.splitlines()[0]) == (0, "Created project STORAGE (Storage).")
    code, out, err = _run(capsys, *add)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Project STORAGE (Storage) exists: nothing to add.",
        "Mention @case-storage in a monitor message to open cases in it.",
    ]
    # Without --if-missing, a second add is still refused.
    code, _, err = _run(capsys, *add[:-3], "--database-url", database_url)
    assert code == 1 and "STORAGE" in err


def test_project_update_changes_only_the_settings_given(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", database_url]
    _run(capsys, "project", "add", "--name", "Storage", "--key", "STORAGE", "--handle", "storage",
         *db)  # fmt: skip
    code, out, err = _run(
        capsys, "project", "update", "storage", "--name", "Storage team",
        "--slack-channel", "#storage", "--no-auto-close", "--format", "json", *db,
    )  # fmt: skip
    assert (code, err) == (0, "")
    project = json.loads(out)
    assert (project["key"], project["name"], project["slack_channel"]) == (
        "STORAGE", "Storage team", "#storage",
    )  # fmt: skip
    assert (project["auto_close"], project["monitor_enabled"]) == (False, True)
    code, out, _ = _run(
        capsys, "project", "update", "STORAGE", "--no-monitor", "--handle", "disks",
        "--slack-channel", "", "--auto-close", "--error-tracking-default", *db,
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == "Updated project STORAGE (Storage team):"
    code, out, _ = _run(capsys, "project", "list", "--format", "json", *db)
    (listed,) = json.loads(out)
    assert listed["handle"] == "disks" and listed["slack_channel"] is None
    assert (listed["auto_close"], listed["monitor_enabled"]) == (True, False)
    assert listed["is_error_tracking_default"] is True
    assert listed["name"] == "Storage team"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["update", "STORAGE"], 2, "nothing to change"),
        (["update", "NOPE", "--name", "x"], 1, "no project NOPE"),
        (["update", "STORAGE", "--handle", "Bad Handle"], 1, "handle 'Bad Handle'"),
        (["update", "STORAGE", "--default-type", "no!"], 1, "invalid case type"),
    ],
    ids=["no-setting-given", "unknown-project", "invalid-handle", "invalid-case-type"],
)
def test_project_update_refusals(
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    message: str,
) -> None:
    db = ["--database-url", database_url]
    _run(capsys, "project", "add", "--name", "Storage", "--key", "STORAGE", "--handle", "storage",
         *db)  # fmt: skip
    got, _, err = _run(capsys, "project", *argv, *db)
    assert got == code and message in err
