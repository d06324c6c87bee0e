"""`/settings/users`: admins add people, change roles, disable accounts and end sessions."""

from __future__ import annotations

from tests.console.harness import PASSWORD, add_account, console


def test_an_admin_manages_people(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as admin, console(migrated_database_url) as bo:
        admin.sign_in("ann@example.com")
        token = admin.csrf("/settings/users")
        weak = admin.client.post("/settings/users", data={
            "email": "bo@example.com", "name": "Bo", "role": "viewer", "password": "short",
            "csrf_token": token})  # fmt: skip
        assert weak.status_code == 400 and 'id="user-password-error"' in weak.text
        added = admin.client.post("/settings/users", data={
            "email": "bo@example.com", "name": "Bo", "role": "viewer", "password": PASSWORD,
            "csrf_token": token})  # fmt: skip
        assert added.headers["location"] == "/settings/users?done=added&email=bo@example.com"
        assert "Added bo@example.com." in admin.client.get(added.headers["location"]).text

        assert bo.sign_in("bo@example.com").status_code == 303
        assert "New case" not in bo.client.get("/cases").text  # a viewer
        admin.client.post("/settings/users/role", data={
            "email": "bo@example.com", "role": "responder", "csrf_token": token})  # fmt: skip
        assert "New case" in bo.client.get("/cases").text  # at once: roles are read per request

        admin.client.post("/settings/users/disable", data={
            "email": "bo@example.com", "csrf_token": token})  # fmt: skip
        assert bo.client.get("/cases").status_code == 303
        assert bo.sign_in("bo@example.com").status_code == 401


def test_an_admin_cannot_lock_themselves_out(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as admin:
        admin.sign_in("ann@example.com")
        token = admin.csrf("/settings/users")
        for path, extra in (("disable", {}), ("role", {"role": "viewer"})):
            answer = admin.client.post(f"/settings/users/{path}", data={
                "email": "ann@example.com", "csrf_token": token, **extra})  # fmt: skip
            assert answer.status_code == 400
        assert admin.client.get("/settings/users").status_code == 200


def test_only_admins_manage_people(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "rita@example.com", role="responder")
    with console(migrated_database_url) as c:
        c.sign_in("rita@example.com")
        assert c.client.get("/settings/users").status_code == 403
        forged = c.client.post("/settings/users/role", data={
            "email": "rita@example.com", "role": "admin", "csrf_token": c.csrf()})  # fmt: skip
        assert forged.status_code == 403
