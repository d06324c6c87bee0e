"""`casebot lint`, through `bot.cli.main`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(autouse=True)
def _no_database_around(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No casebot.db in the working directory and no CASEBOT_DATABASE_URL: the projects'
    handles come only from a database a test names."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEBOT_DATABASE_URL", raising=False)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_errors_exit_1_with_file_line_col(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "m.md"
    message.write_text(
        "{{#is_alrt}}x{{/is_alrt}}\n"
        "{{#is_alert}}@case-stroage{{/is_alert}}{{#is_recovery}}@case-stroage{{/is_recovery}}\n",
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "lint", str(message), "--known-handle", "@case-storage")
    assert code == 1
    assert out.splitlines() == [
        f"{message}:1:1: error: 'is_alrt' is not a conditional; the section is never shown "
        "(did you mean is_alert?)",
        f"{message}:2:14: error: @case-stroage is not a known case handle "
        "(did you mean @case-storage?)",
        f"{message}:2:56: error: @case-stroage is not a known case handle "
        "(did you mean @case-storage?)",
    ]


def test_warnings_alone_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = tmp_path / "w.md"
    message.write_text("{{vaule}} @case-a\n", encoding="utf-8")
    code, out, _ = _run(capsys, "lint", str(message))
    assert code == 0
    assert out == (
        f"{message}:1:1: warning: {{{{vaule}}}} is not a template variable; it renders empty "
        "unless the event has a value, attribute or tag named 'vaule' (did you mean value?)\n"
    )


def test_several_files_and_a_missing_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.md"
    good.write_text("{{value}} @case-a\n", encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text("{{#is_alert}}\n", encoding="utf-8")
    code, out, err = _run(capsys, "lint", str(good), str(bad), str(tmp_path / "gone.md"))
    assert code == 1
    assert out == f"{bad}:1:1: error: {{{{#is_alert}}}} is never closed (add {{{{/is_alert}}}})\n"
    assert "gone.md: error: cannot read" in err


def test_bundled_examples_have_no_errors(capsys: pytest.CaptureFixture[str]) -> None:
    examples = sorted(str(p) for p in (ROOT / "examples").glob("*.md"))
    code, out, _ = _run(capsys, "lint", *examples)
    assert code == 0, out


def _project(capsys: pytest.CaptureFixture[str], *argv: str) -> None:
    code, _, err = _run(capsys, "project", "add", "--name", "Storage", "--key", "STORAGE",
                        "--handle", "storage", *argv)  # fmt: skip
    assert code == 0, err


TYPO = "Disk full. {{#is_alert}}@case-stroage{{/is_alert}}{{#is_recovery}}@case-stroage{{/is_recovery}}\n"  # noqa: E501


def test_lint_knows_the_projects_of_the_database_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], migrated_database_url: str
) -> None:
    _project(capsys, "--database-url", migrated_database_url)
    message = tmp_path / "m.md"
    message.write_text(TYPO, encoding="utf-8")
    code, out, err = _run(capsys, "lint", str(message), "--database-url", migrated_database_url)
    assert (code, err) == (1, "")
    assert out.splitlines()[0] == (
        f"{message}:1:25: error: @case-stroage is not a known case handle "
        "(did you mean @case-storage?)"
    )
    message.write_text(TYPO.replace("stroage", "storage"), encoding="utf-8")
    assert _run(capsys, "lint", str(message), "--database-url", migrated_database_url) == (
        0, "", ""
    )  # fmt: skip


def test_lint_uses_the_servers_default_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    message = tmp_path / "m.md"
    message.write_text(TYPO, encoding="utf-8")
    # No database yet: nothing to check against, and lint says so (and creates none).
    code, out, err = _run(capsys, "lint", str(message))
    assert (code, out) == (0, "")
    assert "no database at sqlite:///casebot.db, so @case- handles are not checked" in err
    assert not (tmp_path / "casebot.db").exists()
    # `casebot project add` makes casebot.db here, as `make run` does; lint then reads it.
    _project(capsys)
    code, out, err = _run(capsys, "lint", str(message))
    assert (code, err) == (1, "")
    assert "@case-stroage is not a known case handle (did you mean @case-storage?)" in out
    # ... and so does $CASEBOT_DATABASE_URL.
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.setenv("CASEBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere' / 'c.db'}")
    _run(capsys, "db", "upgrade")
    code, out, _ = _run(capsys, "lint", str(message))
    # A database without projects: every @case- handle is unknown.
    assert code == 1 and "@case-stroage is not a known case handle\n" in out


def test_lint_warns_of_a_project_whose_monitor_integration_is_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], migrated_database_url: str
) -> None:
    _project(capsys, "--no-monitor", "--database-url", migrated_database_url)
    message = tmp_path / "m.md"
    message.write_text(TYPO.replace("stroage", "storage"), encoding="utf-8")
    code, out, _ = _run(capsys, "lint", str(message), "--database-url", migrated_database_url)
    assert code == 0
    assert out == (
        f"{message}:1:25: warning: @case-storage opens no case: its project's monitor "
        "integration is off (casebot project update storage --monitor)\n"
    )


def test_lint_reads_a_misspelt_kind_of_handle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "m.md"
    message.write_text(
        "@cse-storage @slak-ops @jane-doe@example.com @caset-x {{#is_recovery}}{{/is_recovery}}\n"
    )
    code, out, _ = _run(capsys, "lint", str(message))
    assert code == 0
    assert out.splitlines() == [
        f"{message}:1:1: warning: @cse-storage is not a handle: there is no @cse- kind "
        "(did you mean @case-storage?)",
        f"{message}:1:14: warning: @slak-ops is not a handle: there is no @slak- kind "
        "(did you mean @slack-ops?)",
        f"{message}:1:46: warning: @caset-x is not a handle: there is no @caset- kind "
        "(did you mean @case-x?)",
    ]
