"""Browser tests: Playwright driving the machine's Chromium against a real server.

The browser is Debian's `chromium` (`/usr/bin/chromium`, or $CASEBOT_CHROMIUM);
Playwright's own browser downloads are not used. Without a browser these tests
are skipped with the reason, except in CI (`CI=true`), where they fail: .ci/run
installs Chromium first.

One browser serves a module, and Playwright stops after it: its synchronous API
keeps an event loop running in the main thread, where a later test's
`asyncio.run()` would then fail. (One module holds the browser tests, so one
browser serves the whole run.)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    explicit = os.environ.get("CASEBOT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium found: install Debian's `chromium` (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_FLAGS)
        try:
            yield launched
        finally:
            launched.close()
