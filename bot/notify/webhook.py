"""Webhook destinations: the case event as JSON, POSTed and signed.

Headers: `X-Casebot-Timestamp` (Unix seconds), `X-Casebot-Signature`
(`sha256=` + HMAC-SHA256 with the destination's secret over the timestamp, a
dot and the body), and `Idempotency-Key` (the same on every attempt of one
message). A receiver recomputes the signature and refuses an old timestamp, so a
replayed request is refused (docs/notifications.md shows it in Python).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

import httpx
import orjson

from bot.notify.http import post
from bot.notify.view import NotificationView

SIGNATURE_HEADER = "X-Casebot-Signature"
TIMESTAMP_HEADER = "X-Casebot-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signed_headers(secret: str, body: bytes, *, key: str, now: datetime) -> dict[str, str]:
    timestamp = str(int(now.timestamp()))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        IDEMPOTENCY_HEADER: key,
    }


async def send(
    client: httpx.AsyncClient,
    view: NotificationView,
    *,
    url: str,
    secret: str,
    now: datetime,
) -> str:
    body = orjson.dumps(view.document())
    headers = signed_headers(secret, body, key=view.id, now=now)
    return await post(client, url, body, headers)
