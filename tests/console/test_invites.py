"""Invitations: an admin's one-time sign-in link lets a person choose a password and sign
in, once; the users list says who last signed in."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from tests.console.harness import PASSWORD, Console, add_account, console


def _invite(admin: Console, email: str = "bo@example.com", role: str = "viewer") -> str:
    answer = admin.client.post(
        "/settings/users/invite",
        data={"email": email, "name": "Bo", "role": role,
              "csrf_token": admin.csrf("/settings/users")},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    found = re.search(r'<code class="secret" id="sign-in-link">([^<]+)</code>', answer.text)
    assert found
    return html.unescape(found.group(1)).removeprefix("http://testserver")


def _choose(c: Console, link: str, password: str, again: str | None = None) -> Any:
    form = c.client.get(link)
    assert form.status_code == 200 and "Welcome, Bo" in form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    return c.client.post(link, data={"password": password, "password_again": again or password,
                                     "csrf_token": token.group(1)})  # fmt: skip


def test_an_invited_person_chooses_a_password_once(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as admin, console(migrated_database_url) as bo:
        admin.sign_in("ann@example.com")
        link = _invite(admin)
        assert link.startswith("/welcome/")
        listing = admin.client.get("/settings/users").text
        assert link not in listing  # shown once
        assert re.search(r"bo@example.com</td>.*?<td>never</td>", listing, re.S)

        weak = _choose(bo, link, "short")
        assert weak.status_code == 400 and "At least 12" in weak.text
        differ = _choose(bo, link, PASSWORD, PASSWORD + "!")
        assert differ.status_code == 400
        assert "The two passwords differ." in differ.text
        done = _choose(bo, link, PASSWORD)
        assert done.headers["location"] == "/cases"
        assert "Bo" in bo.client.get("/cases").text  # signed in as a viewer

        used = bo.client.get(link)
        assert used.status_code == 403 and "expired or was used already" in used.text
        bo.client.cookies.clear()
        assert bo.sign_in("bo@example.com").status_code == 303  # the password they chose
        listing = admin.client.get("/settings/users").text
        assert not re.search(r"bo@example.com</td>.*?<td>never</td>", listing, re.S)
        assert "UTC</time>" in listing


def test_a_link_expires_and_a_new_one_replaces_it(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as admin:
        admin.sign_in("ann@example.com")
        first = _invite(admin)
        again = admin.client.post(
            "/settings/users/link",
            data={"email": "bo@example.com", "csrf_token": admin.csrf("/settings/users")},
        )
        second = re.search(r'id="sign-in-link">http://testserver([^<]+)<', again.text)
        assert second
        assert admin.client.get(first).status_code == 403
        assert admin.client.get(second.group(1)).status_code == 200
        admin.clock.advance(timedelta(days=8))
        assert admin.client.get(second.group(1)).status_code == 403
        forged = second.group(1)[:-3] + "abc"
        assert admin.client.get(forged).status_code == 403


def test_only_admins_invite(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "rita@example.com", role="responder")
    with console(migrated_database_url) as rita:
        rita.sign_in("rita@example.com")
        forged = rita.client.post(
            "/settings/users/invite",
            data={"email": "eve@example.com", "name": "Eve", "role": "admin",
                  "csrf_token": rita.csrf()},
        )  # fmt: skip
        assert forged.status_code == 403
