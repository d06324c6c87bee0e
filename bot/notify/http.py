"""One HTTP POST to a destination, and what its answer means for the outbox.

2xx is delivered. 429 is retried after its `Retry-After`; 408, 5xx, timeouts and
connection errors are retried with backoff (the request may have acted: receivers
dedupe on the message's idempotency key); any other 4xx fails the message for good,
with the answer kept for the operator.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

# Kept of an answer's body for the outbox listing.
ANSWER_MAX = 300


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context every notification client of this process shares, made as httpx
    makes its own (certifi's CA bundle, or $SSL_CERT_FILE / $SSL_CERT_DIR). Each new
    context loads the bundle again: about 16 ms of CPU per client."""
    return httpx.create_ssl_context()


def client(timeout: float) -> httpx.AsyncClient:
    """A client for delivering notifications, with the shared TLS context."""
    return httpx.AsyncClient(timeout=timeout, verify=tls_context())


class DeliveryFailed(Exception):
    """A delivery that did not succeed: `retry` whether a later attempt can, `after` the
    seconds the receiver asked to wait, `answer` what it said."""

    def __init__(
        self, reason: str, *, retry: bool, after: float | None = None, answer: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.after = after
        self.answer = answer


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
) -> str:
    """POST `body`; the answer ("202 Accepted: {...}") when it is a 2xx, else
    `DeliveryFailed`. The client's own timeout bounds the wait."""
    try:
        response = await client.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", **headers},
        )
    except httpx.TimeoutException:
        raise DeliveryFailed(f"no answer from {url} in time", retry=True) from None
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"could not reach {url}: {error}", retry=True) from None
    answer = f"{response.status_code} {response.reason_phrase}: {response.text[:ANSWER_MAX]}"
    status = response.status_code
    if 200 <= status < 300:
        return answer
    if status == 429:
        after = retry_after(response.headers.get("Retry-After"))
        raise DeliveryFailed("rate limited (429)", retry=True, after=after, answer=answer)
    if status == 408 or status >= 500:
        raise DeliveryFailed(f"the receiver answered {status}", retry=True, answer=answer)
    raise DeliveryFailed(f"the receiver refused it ({status})", retry=False, answer=answer)


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds: a number of seconds or an HTTP date; None when absent
    or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
