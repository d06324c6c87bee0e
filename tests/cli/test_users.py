"""`casebot users add|list|set-role|disable|enable|reset-password|sign-out`."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main


def _run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_list_and_change_an_account(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ("--database-url", database_url)
    add = ["users", "add", "--email", "Ann@Example.com", "--name", "Ann", "--role", "admin"]
    added = _run(capsys, monkeypatch, *add, "--password-stdin", *db, stdin="a long passphrase\n")
    assert added == (0, "Added ann@example.com (Ann) as admin.\n", "")
    code, out, _ = _run(capsys, monkeypatch, "users", "list", *db)
    assert code == 0
    assert out.splitlines() == [
        "EMAIL            NAME  ROLE   STATUS",
        "ann@example.com  Ann   admin  active",
    ]
    assert _run(capsys, monkeypatch, "users", "set-role", "ann@example.com", "viewer", *db)[1] == (
        "ann@example.com is now viewer.\n"
    )
    assert _run(capsys, monkeypatch, "users", "disable", "ann@example.com", *db)[0] == 0
    code, out, _ = _run(capsys, monkeypatch, "users", "list", "--format", "json", *db)
    (account,) = json.loads(out)
    assert (account["email"], account["role"]) == ("ann@example.com", "viewer")
    assert account["disabled_at"] is not None
    assert _run(capsys, monkeypatch, "users", "enable", "ann@example.com", *db)[0] == 0
    reset = _run(capsys, monkeypatch, "users", "reset-password", "ann@example.com",
                 "--password-stdin", *db, stdin="another passphrase\n")  # fmt: skip
    assert reset[0] == 0 and "its sessions have ended" in reset[1]


@pytest.mark.parametrize(
    "argv,stdin,message",
    [
        pytest.param(["--email", "nope"], "a long passphrase", "is not an e-mail", id="email"),
        pytest.param(["--email", "bo@example.com"], "short", "at least 12", id="password"),
        pytest.param(["--email", "ann@example.com"], "a long passphrase", "exists", id="twice"),
    ],
)
def test_add_refuses_with_a_reason(
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    db = ("--database-url", database_url)
    _run(capsys, monkeypatch, "users", "add", "--email", "ann@example.com", "--name", "Ann",
         "--role", "responder", "--password-stdin", *db, stdin="a long passphrase\n")  # fmt: skip
    code, out, err = _run(capsys, monkeypatch, "users", "add", *argv, "--name", "X", "--role",
                          "viewer", "--password-stdin", *db, stdin=stdin)  # fmt: skip
    assert code == 1 and out == ""
    assert err.startswith("casebot users: ") and message in err


def test_an_unknown_account_is_named(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _run(capsys, monkeypatch, "users", "disable", "nobody@example.com",
                        "--database-url", database_url)  # fmt: skip
    assert (code, err) == (1, "casebot users: no account nobody@example.com\n")


def test_a_password_never_comes_from_the_command_line() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["users", "add", "--email", "a@example.com", "--name", "A", "--role", "viewer",
              "--password", "secret"])  # fmt: skip
    assert exited.value.code == 2
