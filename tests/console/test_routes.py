"""Every console route answers only with a session: a walk over all of them.

The other doors keep their own authentication: webhooks their token, /api/v2
its key pair, /slack/events Slack's signature; /healthz and /metrics are open
as before.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.routing import Mount, Route

from bot.db.migrate import upgrade
from bot.web import pages
from tests.console.harness import Console, add_account, console
from tests.databases import sqlite_url

# The sign-in form, and the one-time sign-in link an admin hands out (its token is the key).
OPEN = {
    ("/login", "GET"), ("/login", "POST"),
    ("/welcome/{token}", "GET"), ("/welcome/{token}", "POST"),
}  # fmt: skip


def _console_routes() -> list[tuple[str, str]]:
    found = []
    for route in pages.routes():
        if isinstance(route, Mount):
            continue  # /static: the sign-in page's own assets
        assert isinstance(route, Route)
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                path = route.path.replace("{key}", "OPS-1").replace("{key_id}", "0a1b2c3d")
                found.append((path, method))
    return found


def test_the_walk_covers_every_page_family() -> None:
    paths = {path for path, _ in _console_routes()}
    assert {"/", "/cases", "/cases/new", "/cases/OPS-1", "/cases/bulk", "/logout"} <= paths
    assert {"/cases/events", "/cases/OPS-1/events", "/settings/keys", "/settings/users"} <= paths


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """One app for the walk (it reads nothing a database backend could change)."""
    url = sqlite_url(tmp_path_factory.mktemp("walk"))
    upgrade(url)
    with console(url) as c:
        yield c


@pytest.mark.parametrize("path,method", _console_routes(), ids=lambda v: str(v))
def test_no_console_route_answers_without_a_session(
    stranger: Console, path: str, method: str
) -> None:
    stranger.client.cookies.clear()
    answer = stranger.client.request(method, path)
    if (path, method) in OPEN:
        assert answer.status_code in (200, 403)  # the form, or a POST without its token
        assert "<h1>Sign in</h1>" in answer.text or "expired" in answer.text
        return
    if method == "GET":
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login")
    else:
        assert answer.status_code == 401
    assert "OPS-1" not in answer.text


def test_static_assets_are_served_without_a_session(migrated_database_url: str) -> None:
    with console(migrated_database_url) as c:
        page = c.client.get("/login").text
        for asset in ("casebot.css", "casebot.js", "htmx-2.0.11.min.js"):
            assert f"/static/{asset}?v=" in page
            assert c.client.get(f"/static/{asset}").status_code == 200


def test_the_other_doors_keep_their_own_authentication(migrated_database_url: str) -> None:
    add_account(migrated_database_url, "ann@example.com", role="admin")
    with console(migrated_database_url) as c:
        c.sign_in("ann@example.com")  # a console session opens none of them
        assert c.client.post("/webhooks/datadog", content=b"{}").status_code == 401
        assert c.client.get("/api/v2/cases").status_code == 401
        assert c.client.post("/slack/events", content=b"{}").status_code == 404  # Slack is off
        assert c.client.get("/healthz").status_code == 200
        assert c.client.get("/metrics").status_code == 200


def test_vendored_htmx_is_the_pinned_release() -> None:
    import hashlib

    from bot.web.pages.rendering import STATIC_DIR

    digest = hashlib.sha256((STATIC_DIR / "htmx-2.0.11.min.js").read_bytes()).hexdigest()
    assert digest == "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
