"""`/settings/keys`: admins create a key pair (shown once) and revoke it; nobody else may."""

from __future__ import annotations

import re

from tests.console.harness import add_account, console


def test_an_admin_creates_a_key_that_works_and_then_revokes_it(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as c:
        c.sign_in("ann@example.com")
        page = c.client.get("/settings/keys")
        assert page.status_code == 200 and "No key pairs yet." in page.text
        created = c.client.post(
            "/settings/keys",
            data={
                "name": "runbooks",
                "scopes": ["cases_read"],
                "csrf_token": c.csrf("/settings/keys"),
            },
        )
        assert created.status_code == 200
        api_key = re.search(r'id="new-api-key">(\w+)<', created.text)
        app_key = re.search(r'id="new-application-key">(\w+)<', created.text)
        assert api_key and app_key
        headers = {"DD-API-KEY": api_key.group(1), "DD-APPLICATION-KEY": app_key.group(1)}
        assert c.client.get("/api/v2/cases", headers=headers).status_code == 200
        listing = c.client.get("/settings/keys").text
        assert api_key.group(1) not in listing  # shown once
        assert f"…{api_key.group(1)[-4:]}" in listing
        key_id = re.search(r'action="/settings/keys/([0-9a-f-]+)/revoke"', listing)
        assert key_id
        revoked = c.client.post(
            f"/settings/keys/{key_id.group(1)}/revoke",
            data={"csrf_token": c.csrf("/settings/keys")},
        )
        assert revoked.status_code == 303
        assert "Revoked key runbooks." in c.client.get(revoked.headers["location"]).text


def test_a_key_needs_a_name_and_a_scope(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as c:
        c.sign_in("ann@example.com")
        answer = c.client.post(
            "/settings/keys", data={"name": " ", "csrf_token": c.csrf("/settings/keys")}
        )
    assert answer.status_code == 400
    assert 'id="name-error"' in answer.text and "Choose at least one scope." in answer.text


def test_only_admins_see_or_use_the_keys_page(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "rita@example.com", role="responder")
    with console(migrated_database_url) as c:
        c.sign_in("rita@example.com")
        assert "/settings/keys" not in c.client.get("/cases").text
        assert c.client.get("/settings/keys").status_code == 403
        forged = c.client.post(
            "/settings/keys", data={"name": "x", "scopes": ["cases_write"], "csrf_token": c.csrf()}
        )
        assert forged.status_code == 403
