"""`/projects`: admins create, change and delete projects; everyone else reads them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource, Project
from bot.services.cases import CaseService
from bot.services.projects import ProjectReader
from tests.console.harness import add_account, console

SETTINGS = {
    "name": "Storage",
    "key": "STORAGE",
    "handle": "storage",
    "default_case_type": "STANDARD",
    "slack_channel": "#storage-oncall",
    "monitor_enabled": "on",
    "auto_close": "on",
    "mirror_threads": "on",
}


def _project(engine: Engine, key: str) -> Project:
    with engine.connect() as conn:
        return ProjectReader(conn).get(key)


def test_an_admin_creates_a_project_and_sees_its_handle_to_paste(
    migrated_database_url: str, engine: Engine
) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as c:
        c.sign_in("ann@example.com")
        token = c.csrf("/projects/new")
        bad = c.client.post("/projects", data={**SETTINGS, "key": "st-1", "csrf_token": token})
        assert bad.status_code == 400
        assert 'id="key-error"' in bad.text and "must be 1-10 characters" in bad.text
        assert 'value="Storage"' in bad.text  # what was typed stays

        made = c.client.post("/projects", data={**SETTINGS, "csrf_token": token})
        assert made.headers["location"] == "/projects/STORAGE?done=created&key=STORAGE"
        page = c.client.get(made.headers["location"]).text
        assert "Created project STORAGE." in page
        assert 'id="handle-to-paste">@case-storage<' in page
        assert 'data-copy="handle-to-paste"' in page
        listing = c.client.get("/projects").text
        assert "@case-storage" in listing and "#storage-oncall" in listing

        taken = c.client.post("/projects", data={**SETTINGS, "key": "OTHER", "csrf_token": token})
        assert taken.status_code == 400 and 'id="handle-error"' in taken.text


def test_an_admin_changes_settings_but_never_the_key(
    migrated_database_url: str, engine: Engine
) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as c:
        c.sign_in("ann@example.com")
        token = c.csrf("/projects/new")
        c.client.post("/projects", data={**SETTINGS, "csrf_token": token})
        # Unticked boxes are not sent: auto-close and the integration go off.
        changed = {**SETTINGS, "key": "OTHER", "name": "Storage team", "csrf_token": token}
        del changed["auto_close"], changed["monitor_enabled"]
        saved = c.client.post("/projects/STORAGE", data=changed)
        assert saved.status_code == 303
        page = c.client.get(saved.headers["location"]).text
        assert "Saved the settings of STORAGE." in page
        assert 'id="monitor-handle" aria-labelledby="handle-heading" hidden' in page
    project = _project(engine, "STORAGE")
    assert (project.name, project.auto_close, project.monitor_enabled) == (
        "Storage team", False, False,
    )  # fmt: skip


def test_deleting_asks_for_the_key_and_says_how_many_cases_go(
    migrated_database_url: str, engine: Engine
) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as c:
        c.sign_in("ann@example.com")
        token = c.csrf("/projects/new")
        c.client.post("/projects", data={**SETTINGS, "csrf_token": token})
        with engine.begin() as conn:
            cases = CaseService(conn, now=datetime.now(UTC))
            for n in range(2):
                cases.create_case(
                    project="STORAGE", title=f"disk {n}", actor=Actor(ActorSource.API)
                )
        page = c.client.get("/projects/STORAGE").text
        assert "also deletes its <strong>2 cases</strong>" in page
        wrong = c.client.post("/projects/STORAGE/delete", data={"confirm": "storage",
                                                                "csrf_token": token})  # fmt: skip
        assert wrong.status_code == 400 and "Type STORAGE to delete this project" in wrong.text
        assert _project(engine, "STORAGE")
        gone = c.client.post(
            "/projects/STORAGE/delete", data={"confirm": "STORAGE", "csrf_token": token}
        )
        assert gone.headers["location"] == "/projects?done=deleted&key=STORAGE"
        assert c.client.get("/projects/STORAGE").status_code == 404
    with engine.connect() as conn:
        assert ProjectReader(conn).case_counts() == {}


def test_a_responder_reads_settings_and_cannot_change_them(
    migrated_database_url: str, engine: Engine
) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    add_account(migrated_database_url, "rita@example.com", role="responder")
    with console(migrated_database_url) as admin, console(migrated_database_url) as c:
        admin.sign_in("ann@example.com")
        admin.client.post("/projects", data={**SETTINGS, "csrf_token": admin.csrf()})
        c.sign_in("rita@example.com")
        page = c.client.get("/projects/STORAGE").text
        assert 'id="project-settings"' in page and "@case-storage" in page
        assert 'action="/projects/STORAGE"' not in page and "Delete project" not in page
        assert "New project" not in c.client.get("/projects").text
        assert c.client.get("/projects/new").status_code == 403
        token = c.csrf()
        for path, data in (
            ("/projects/STORAGE", {**SETTINGS, "name": "Mine"}),
            ("/projects/STORAGE/delete", {"confirm": "STORAGE"}),
            ("/projects", {**SETTINGS, "key": "MINE", "handle": "mine"}),
        ):
            assert c.client.post(path, data={**data, "csrf_token": token}).status_code == 403
    assert _project(engine, "STORAGE").name == "Storage"
