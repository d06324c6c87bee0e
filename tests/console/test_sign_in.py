"""Signing in and out, sessions (expiry, revocation) and the sign-in rate limits, over HTTP."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.cli import main
from tests.console.harness import PASSWORD, add_account, console, csrf_of


@pytest.fixture
def url(migrated_database_url: str) -> str:
    add_account(migrated_database_url, "ann@example.com", role="responder", name="Ann")
    return migrated_database_url


def test_the_sign_in_page_has_labelled_fields(url: str) -> None:
    with console(url) as c:
        page = c.client.get("/login")
    assert page.status_code == 200
    assert '<label for="email">Email</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    assert ">Sign in</button>" in page.text


def test_root_sends_strangers_to_sign_in_and_people_to_the_cases(url: str) -> None:
    with console(url) as c:
        assert c.client.get("/").headers["location"] == "/login"
        signed = c.sign_in("ann@example.com")
        assert (signed.status_code, signed.headers["location"]) == (303, "/cases")
        assert c.client.get("/").headers["location"] == "/cases"


def test_the_session_cookie_holds_a_signed_id_only(url: str) -> None:
    with console(url) as c:
        answer = c.sign_in("ann@example.com")
    cookie = next(
        v for k, v in answer.headers.multi_items() if k == "set-cookie" and "casebot_session" in v
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    value = cookie.split(";")[0].split("=", 1)[1]
    session_id, signature = value.rsplit(".", 1)
    assert len(session_id) >= 40 and signature


def test_behind_https_the_cookie_is_secure(url: str) -> None:
    with console(url, base_url="https://casebot.example") as c:
        answer = c.sign_in("ann@example.com")
    cookies = [v for k, v in answer.headers.multi_items() if k == "set-cookie"]
    assert any("casebot_session" in v and "Secure" in v for v in cookies)


def test_a_wrong_email_and_a_wrong_password_get_the_same_answer(url: str) -> None:
    with console(url) as c:
        wrong_password = c.sign_in("ann@example.com", "not her password")
        wrong_email = c.sign_in("nobody@example.com", PASSWORD)
    assert wrong_password.status_code == wrong_email.status_code == 401
    assert "The email or the password is wrong." in wrong_password.text
    assert wrong_password.text.replace("ann@example.com", "E") == wrong_email.text.replace(
        "nobody@example.com", "E"
    ).replace(csrf_of(wrong_email.text), csrf_of(wrong_password.text))


def test_failures_are_limited_per_account_and_logged(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with console(url) as c, caplog.at_level(logging.WARNING, "bot.services.accounts"):
        for _ in range(5):
            assert c.sign_in("ann@example.com", "guess").status_code == 401
        blocked = c.sign_in("ann@example.com", PASSWORD)  # right, but too late
        assert blocked.status_code == 429
        assert "Too many failed sign-ins" in blocked.text
        # The same answer for an address no account has: the limit tells nothing.
        for _ in range(5):
            c.sign_in("nobody@example.com", "guess")
        assert c.sign_in("nobody@example.com", "guess").status_code == 429
        c.clock.advance(timedelta(minutes=16))
        assert c.sign_in("ann@example.com", PASSWORD).status_code == 303
    failures = [r for r in caplog.records if "failed sign-in for 'ann@example.com'" in r.message]
    assert len(failures) == 5


def test_failures_are_limited_per_address(url: str, migrated_database_url: str) -> None:
    add_account(migrated_database_url, "bob@example.com")
    with console(url) as c:
        for n in range(20):
            assert c.sign_in(f"guess{n}@example.com", "guess").status_code == 401
        assert c.sign_in("bob@example.com", PASSWORD).status_code == 429


def test_sign_out_ends_the_session_for_good(url: str) -> None:
    with console(url) as c:
        c.sign_in("ann@example.com")
        cookie = c.client.cookies["casebot_session"]
        out = c.client.post("/logout", data={"csrf_token": c.csrf()})
        assert (out.status_code, out.headers["location"]) == (303, "/login")
        c.client.cookies.set("casebot_session", cookie)  # the old cookie, kept by someone
        assert c.client.get("/cases").headers["location"] == "/login?next=%2Fcases"


def test_sign_out_without_the_csrf_token_is_refused(url: str) -> None:
    with console(url) as c:
        c.sign_in("ann@example.com")
        assert c.client.post("/logout", data={}).status_code == 403
        assert c.client.get("/cases").status_code == 200  # still signed in


def test_a_session_expires_after_twelve_idle_hours(url: str) -> None:
    with console(url) as c:
        c.sign_in("ann@example.com")
        c.clock.advance(timedelta(hours=11, minutes=59))
        assert c.client.get("/cases").status_code == 200  # and this refreshes it
        c.clock.advance(timedelta(hours=11, minutes=59))
        assert c.client.get("/cases").status_code == 200
        c.clock.advance(timedelta(hours=12))
        assert c.client.get("/cases").status_code == 303


def test_a_session_ends_seven_days_after_sign_in_however_busy(url: str) -> None:
    with console(url) as c:
        c.sign_in("ann@example.com")
        for _ in range(15):  # 165 hours, never idle for long
            c.clock.advance(timedelta(hours=11))
            assert c.client.get("/cases").status_code == 200
        c.clock.advance(timedelta(hours=11))  # 176 hours > 7 days
        assert c.client.get("/cases").status_code == 303


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["disable", "ann@example.com"], id="disable"),
        pytest.param(["sign-out", "ann@example.com"], id="sign-out"),
    ],
)
def test_the_cli_revokes_sessions(url: str, command: list[str]) -> None:
    with console(url) as c:
        c.sign_in("ann@example.com")
        assert c.client.get("/cases").status_code == 200
        assert main(["users", *command, "--database-url", url]) == 0
        assert c.client.get("/cases").status_code == 303


def test_a_new_password_ends_the_sessions(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    with console(url) as c:
        c.sign_in("ann@example.com")
        monkeypatch.setattr("sys.stdin", io.StringIO("a brand new password\n"))
        assert main(["users", "reset-password", "ann@example.com", "--password-stdin",
                     "--database-url", url]) == 0  # fmt: skip
        assert c.client.get("/cases").status_code == 303
        assert c.sign_in("ann@example.com").status_code == 401
        assert c.sign_in("ann@example.com", "a brand new password").status_code == 303


def test_a_forged_cookie_is_ignored(url: str) -> None:
    with console(url) as c:
        c.client.cookies.set("casebot_session", "made-up.signature")
        assert c.client.get("/cases").status_code == 303


def test_after_sign_in_people_land_where_they_were_going(url: str) -> None:
    with console(url) as c:
        to = c.client.get("/cases?q=status%3Aopen").headers["location"]
        assert to == "/login?next=%2Fcases%3Fq%3Dstatus%253Aopen"
        answer = c.sign_in("ann@example.com", next="/cases?q=status%3Aopen")
        assert answer.headers["location"] == "/cases?q=status%3Aopen"
        c.client.cookies.clear()
        elsewhere = c.sign_in("ann@example.com", next="//evil.example/")
        assert elsewhere.headers["location"] == "/cases"
