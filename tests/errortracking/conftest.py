"""The `api` fixture: the error-tracking API on a migrated database (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.errortracking.client import EtApi, et_api


@pytest.fixture
def api(engine: Engine, migrated_database_url: str) -> Iterator[EtApi]:
    with et_api(engine, migrated_database_url) as client:
        yield client
