"""Console tests hash passwords with Argon2's cheapest parameters: the real ones cost
a tenth of a second a hash, on purpose, and these tests sign in hundreds of times."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from bot.services import accounts

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "HASHER", CHEAP)
