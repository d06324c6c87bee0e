"""The webhook receiver docs/notifications.md shows: its `verify` takes what casebot
signs, and refuses a changed body, another secret and an old (replayed) request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from bot.notify.webhook import signed_headers
from tests.docs.examples import DOCS, parse_page

Verify = Callable[..., bool]
SECRET = "a-long-shared-secret"  # the one the page's destination is given


def _verify_of_the_page() -> Verify:
    page = parse_page(DOCS / "notifications.md")
    (block,) = [b for b in page.blocks if b.language == "python" and "def verify" in b.code]
    namespace: dict[str, Any] = {"__name__": "receiver_example"}  # not __main__: no server
    exec(compile(block.code, str(block.where), "exec"), namespace)
    verify: Verify = namespace["verify"]
    return verify


def _signed(body: bytes, *, secret: str = SECRET, at: datetime | None = None) -> dict[str, str]:
    return signed_headers(secret, body, key="k-1", now=at or datetime.now(UTC))


def test_the_page_verifies_what_casebot_signs() -> None:
    verify = _verify_of_the_page()
    body = orjson.dumps({"type": "case.changed", "case": {"key": "OPS-1"}})
    assert verify(_signed(body), body)


def test_the_page_refuses_a_changed_body_another_secret_and_an_old_request() -> None:
    verify = _verify_of_the_page()
    body = orjson.dumps({"type": "case.changed", "case": {"key": "OPS-1"}})
    assert not verify(_signed(body), body.replace(b"OPS-1", b"OPS-2"))
    assert not verify(_signed(body, secret="another-secret"), body)
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    assert not verify(_signed(body, at=ten_minutes_ago), body)
