"""What the browser test modules share: a page per test (a fresh context, failing on any
script error or dialog), signing in, and where screenshots go."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests import local_http
from tests.console.harness import PASSWORD, WEBHOOK_TOKEN

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def screenshots_dir(fallback: Path) -> Path:
    """docs/images/ under `make screenshots` (CASEBOT_SCREENSHOTS=docs), else `fallback`,
    so that a test run leaves the checkout as it was."""
    return DOCS_IMAGES if os.environ.get("CASEBOT_SCREENSHOTS") == "docs" else fallback


@contextmanager
def browser_page(browser: Any, base_url: str, **context_options: Any) -> Iterator[Any]:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, **context_options
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    errors: list[str] = []  # a Content-Security-Policy violation is reported here too
    opened.on("console", lambda m: errors.append(m.text) if _error(m) else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    # Closing aborts the requests the page still has open, which htmx reports as errors:
    # what the page reported before it is the page's. A round trip first delivers the
    # events the page sent until then.
    if not opened.is_closed():
        opened.evaluate("0")
    reported = _not_aborts(errors)
    context.close()
    assert dialogs == [], "a script ran in the page"
    assert reported == [], f"the page reported errors: {reported}"


def _not_aborts(errors: list[str]) -> list[str]:
    """The errors but for requests htmx aborted itself, which it logs as `htmx:afterRequest`
    then `htmx:sendAbort`: a request a newer one replaced (the workbench as one types)."""
    aborts = sum(1 for error in errors if error.startswith("htmx:sendAbort"))
    kept = []
    for error in errors:
        if error.startswith("htmx:sendAbort"):
            continue
        if error.startswith("htmx:afterRequest") and aborts:
            aborts -= 1
            continue
        kept.append(error)
    return kept


# A form sent back with its errors comes with 400, which Chromium logs as an error too.
_FORM_REFUSED = "Failed to load resource: the server responded with a status of 400"


def _error(message: Any) -> bool:
    return bool(message.type == "error" and not message.text.startswith(_FORM_REFUSED))


def sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/cases")


def deliver(base_url: str, body: bytes) -> dict[str, Any]:
    """POST a generic delivery; its answer comes once the delivery is processed."""
    answer = local_http.post(
        f"{base_url}/webhooks/generic",
        content=body,
        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
    )
    assert answer.status_code == 202, answer.text
    result: dict[str, Any] = answer.json()
    return result
