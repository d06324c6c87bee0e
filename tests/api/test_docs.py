"""`/docs` works offline: the page and everything it loads come from casebot itself."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from tests.api.server import casebot_app

# What the page loads: stylesheets and icons (href), scripts (src), the document (url:).
REFERENCE = re.compile(r"""(?:href|src)="([^"]+)"|\burl: ?'([^']+)'""")
EXTERNAL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


def test_docs_load_nothing_from_another_host() -> None:
    client = TestClient(casebot_app("sqlite:///:memory:"))
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert EXTERNAL.findall(page.text) == []
    references = [href or url for href, url in REFERENCE.findall(page.text)]
    assert {"/openapi.json", "/docs/assets/swagger-ui-bundle.js"} <= set(references)
    assert any(reference.endswith(".css") for reference in references)
    for reference in references:
        parts = urlsplit(reference)
        assert (parts.scheme, parts.netloc) == ("", ""), reference
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        assert asset.content, reference
        if reference.endswith(".css"):
            # A stylesheet could pull in fonts or images from elsewhere.
            assert re.findall(r"url\((?!['\"]?data:)[^)]*\)", asset.text) == [], reference
            assert "@import" not in asset.text, reference
    assert "openapi" in client.get("/openapi.json").json()


def test_there_is_no_page_that_loads_from_a_cdn() -> None:
    client = TestClient(casebot_app("sqlite:///:memory:"))
    assert client.get("/redoc").status_code == 404
