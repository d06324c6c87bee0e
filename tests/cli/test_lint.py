"""`casebot lint`, through `bot.cli.main`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent


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
