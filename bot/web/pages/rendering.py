"""Rendering a page: one template under templates/web/, one view, safe headers.

Pages go out with a Content-Security-Policy that allows scripts and styles
from casebot only (no inline script can run, whatever a description holds),
and are never cached (they show what only signed-in people may see).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.responses import HTMLResponse

from bot.templating import environment

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
HTMX = "htmx-2.0.11.min.js"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@lru_cache(maxsize=16)
def asset(name: str) -> str:
    """`/static/<name>?v=<hash>`: a new URL whenever the file changes."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


@dataclass(frozen=True, slots=True)
class Chrome:
    """What the layout shows around every page: who is signed in, the CSRF token."""

    user_name: str | None = None
    role: str | None = None
    csrf: str = ""
    can_manage: bool = False
    nav: str = ""  # which navigation entry is current

    @property
    def css(self) -> str:
        return asset("casebot.css")

    @property
    def htmx(self) -> str:
        return asset(HTMX)

    @property
    def js(self) -> str:
        return asset("casebot.js")


def render(
    template: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    html = environment().get_template(f"web/{template}").render(**context)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


@dataclass(frozen=True, slots=True)
class RefusalView:
    title: str
    message: str


def refusal(status: int, title: str, message: str, chrome: Chrome | None = None) -> HTMLResponse:
    """A short page that says why a request was refused."""
    return render(
        "refusal.html.j2",
        status=status,
        view=RefusalView(title, message),
        chrome=chrome or Chrome(),
    )
