"""Verified key pairs are remembered briefly: revocation reaches a running server within the TTL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.services import keys as api_keys
from bot.web.api.auth import Credentials, KeyCache, require
from bot.web.api.errors import ApiError
from tests.builders import NOW


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_revoked_pair_is_refused_once_its_cache_entry_expires(engine: Engine) -> None:
    with engine.begin() as conn:
        pair = api_keys.create_key(
            conn, name="ci", scopes=frozenset({api_keys.Scope.CASES_READ}), now=NOW
        )
    creds = Credentials(pair.api_key, pair.application_key)
    clock = Clock()
    cache = KeyCache(ttl=2.0, clock=clock)
    with engine.begin() as conn:
        assert require(conn, creds, api_keys.Scope.CASES_READ, cache).id == pair.key.id
        api_keys.revoke_key(conn, str(pair.key.id), now=NOW)

    clock.now += 1.9
    with engine.begin() as conn:
        assert require(conn, creds, api_keys.Scope.CASES_READ, cache).id == pair.key.id
        # The scope check never comes from memory alone: a missing scope is still 403.
        with pytest.raises(ApiError) as forbidden:
            require(conn, creds, api_keys.Scope.CASES_WRITE, cache)
        assert forbidden.value.status == 403

    clock.now += 0.1
    with engine.begin() as conn, pytest.raises(ApiError) as refused:
        require(conn, creds, api_keys.Scope.CASES_READ, cache)
    assert (refused.value.status, refused.value.messages) == (
        401,
        ("this API key has been revoked",),
    )


def test_failures_are_never_remembered(engine: Engine) -> None:
    cache = KeyCache(ttl=60.0, clock=Clock())
    unknown = Credentials("a" * 32, "b" * 40)
    with engine.begin() as conn:
        with pytest.raises(ApiError):
            require(conn, unknown, api_keys.Scope.CASES_READ, cache)
        assert cache.get(unknown) is None
