"""`casebot preview`, through `bot.cli.main` and as a subprocess."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = ROOT / "examples" / "disk-full.md"


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


def test_text_output_shows_every_transition(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys, "preview", str(EXAMPLE), "--tag", "host:web-1", "--var", "value=93"
    )
    assert (code, err) == (0, "")
    assert "== ok-to-alert (OK -> Alert)\nhandles:  @case-storage @slack-ops-alerts\n" in out
    assert "  | Disk almost full on web-1: 93% used (threshold %)." in out
    assert "== ok-to-no-data (OK -> No Data)\nhandles:  (none)\n" in out
    assert "== alert-renotify (Alert, renotification)" in out
    assert "sample values" not in out


def test_sample_values_when_no_data_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "preview", str(EXAMPLE), "--transition", "ok-to-alert")
    assert code == 0
    assert out.startswith("(sample values; pass --tag and --var to use your own)\n")
    assert "Disk almost full on host-1: 95.2% used (threshold 90%)." in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "preview",
        str(EXAMPLE),
        "--format",
        "json",
        "--priority",
        "p2",
        "--transition",
        "ok-to-alert",
        "--transition",
        "alert-to-ok",
        "--tag",
        "host:web-1",
    )
    assert code == 0
    rows = json.loads(out)
    assert [row["transition"] for row in rows] == [
        {"from": "OK", "to": "Alert", "renotify": False},
        {"from": "Alert", "to": "OK", "renotify": False},
    ]
    assert rows[0]["handles"] == [
        {"kind": "case", "name": "storage", "raw": "@case-storage"},
        {"kind": "slack", "name": "ops-alerts", "raw": "@slack-ops-alerts"},
    ]
    assert rows[1]["text"].startswith("Disk usage back to normal on web-1.")
    assert rows[0]["priority"] == "P2"


def test_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("{{#is_renotify}}again @case-x{{/is_renotify}}"))
    code, out, _ = _run(capsys, "preview", "-", "--format", "json", "--var", "x=1")
    assert code == 0
    fired = {row["transition"]["to"]: row["handles"] for row in json.loads(out) if row["handles"]}
    assert set(fired) == {"Alert", "Warn", "No Data"}


def test_syntax_error_is_reported_with_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "bad.md"
    message.write_text("ok\n{{#is_alert}}never closed\n", encoding="utf-8")
    code, out, err = _run(capsys, "preview", str(message))
    assert (code, out) == (1, "")
    assert (
        err == f"{message}:2:1: error: {{{{#is_alert}}}} is never closed (add {{{{/is_alert}}}})\n"
    )


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--transition", "ok-to-mars"], "unknown transition 'ok-to-mars'"),
        (["--var", "novalue"], "--var 'novalue' is not NAME=VALUE"),
    ],
)
def test_bad_options_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, _, err = _run(capsys, "preview", str(EXAMPLE), *argv)
    assert code == 2
    assert words in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "preview", str(tmp_path / "nope.md"))
    assert code == 2
    assert "cannot read" in err


def test_every_bundled_example_previews() -> None:
    for example in sorted((ROOT / "examples").glob("*.md")):
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "preview", str(example), "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert result.returncode == 0, (example, result.stderr)
        assert len(json.loads(result.stdout)) == 13


def test_text_is_shown_as_a_person_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "m.md"
    message.write_text("Disk full (alert when {{comparator}} {{threshold}}%) & <urgent>\n")
    code, out, _ = _run(capsys, "preview", str(message), "--transition", "ok-to-alert")
    assert code == 0
    assert "  | Disk full (alert when > 90%) & <urgent>" in out.splitlines()
    assert "&gt;" not in out and "&amp;" not in out
    # JSON keeps the text as casebot sends it to Slack.
    code, out, _ = _run(
        capsys, "preview", str(message), "--transition", "ok-to-alert", "--format", "json"
    )
    assert json.loads(out)[0]["text"].startswith("Disk full (alert when &gt; 90%)")


def test_a_message_whose_handles_are_typos_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], migrated_database_url: str
) -> None:
    assert main(["project", "add", "--name", "Storage", "--key", "STORAGE", "--handle",
                 "storage", "--database-url", migrated_database_url]) == 0  # fmt: skip
    message = tmp_path / "typos.md"
    message.write_text(
        "{{#is_alrt}}@case-storage{{/is_alrt}}\n"
        "{{#is_alert}}@case-stroage @cse-storage{{/is_alert}}\n"
        "{{#is_recovery}}@case-stroage{{/is_recovery}}\n"
    )
    capsys.readouterr()
    code, out, _ = _run(
        capsys, "preview", str(message), "--transition", "ok-to-alert",
        "--database-url", migrated_database_url,
    )  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[:4] == [
        f"{message}:1:1: error: 'is_alrt' is not a conditional; the section is never shown "
        "(did you mean is_alert?)",
        f"{message}:2:14: error: @case-stroage is not a known case handle "
        "(did you mean @case-storage?)",
        f"{message}:2:28: warning: @cse-storage is not a handle: there is no @cse- kind "
        "(did you mean @case-storage?)",
        f"{message}:3:17: error: @case-stroage is not a known case handle "
        "(did you mean @case-storage?)",
    ]
    assert "handles:  @case-stroage (unknown: did you mean @case-storage?)" in lines
