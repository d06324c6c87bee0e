"""Every control on every console page has a visible label (or names the visible text
that labels it), as people and the browser tests find controls by their labels."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from tests.builders import make_project
from tests.console.harness import Console, add_account, console
from tests.databases import sqlite_url


class Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.buttons_without_text = 0
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "label" and found.get("for"):
            self.label_for.add(str(found["for"]))
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append(found)
        if tag == "button":
            self._button = []

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None:
            self.buttons_without_text += not "".join(self._button).strip()
            self._button = None


PAGES = [
    "/login", "/cases", "/cases/new", "/cases/OPS-1", "/settings/keys", "/settings/users",
    "/cases?q=(", "/projects/new", "/projects/OPS", "/issues",
    "/settings/rules", "/workbench", "/inbox",
]  # fmt: skip


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """One app for every page, an admin signed in and a SECURITY case made (the page
    with the most controls)."""
    url = sqlite_url(tmp_path_factory.mktemp("labels"))
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        make_project(conn, name="Operations", key="OPS", handle="ops")
    engine.dispose()
    add_account(url, "ann@example.com", role="admin")
    with console(url) as c:
        c.sign_in("ann@example.com")
        token = c.csrf("/cases/new")
        c.client.post("/cases/new", data={"project": "OPS", "type": "SECURITY", "title": "T",
                      "description": "", "priority": "P1", "csrf_token": token})  # fmt: skip
        yield c


@pytest.mark.parametrize("path", PAGES)
def test_every_control_has_a_label(admin: Console, path: str) -> None:
    if path == "/login":
        with TestClient(admin.app) as stranger:
            page = stranger.get(path)
    else:
        page = admin.client.get(path)
    assert page.status_code == 200
    parsed = Controls()
    parsed.feed(page.text)
    assert parsed.controls, "no controls on the page"
    for control in parsed.controls:
        labelled_by = str(control.get("aria-labelledby") or "")
        assert control.get("id") in parsed.label_for or (
            labelled_by and labelled_by in parsed.ids
        ), f"{control} has no label"
    assert parsed.buttons_without_text == 0
