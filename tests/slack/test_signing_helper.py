"""The test signing helper agrees with slack_sdk's verifier (so signed tests mean something)."""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_signing import signed_headers


def test_signed_headers_verify_with_slack_sdk() -> None:
    body = "token=x&command=%2Fcase&text=list"
    headers = signed_headers("s3cret", body)
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    stale = signed_headers("s3cret", body, timestamp=int(time.time()) - 301)
    assert not verifier.is_valid_request(body, stale)
