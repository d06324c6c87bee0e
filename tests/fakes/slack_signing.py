"""Signing and encoding of requests as Slack sends them to casebot.

`v0=hex(HMAC-SHA256(signing_secret, "v0:" + timestamp + ":" + raw_body))` over the exact
bytes sent (https://docs.slack.dev/authentication/verifying-requests-from-slack/).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

__all__ = ["interactive_body", "sign", "signed_headers"]


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str,
    body: str,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    timestamp: int | None = None,
    retry_num: int | None = None,
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": sign(secret, ts, body),
    }
    if retry_num is not None:
        headers["x-slack-retry-num"] = str(retry_num)
        headers["x-slack-retry-reason"] = "http_timeout"
    return headers


def interactive_body(payload: dict[str, Any]) -> str:
    """The form body Slack sends for block_actions / view_submission: `payload=<json>`."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})
