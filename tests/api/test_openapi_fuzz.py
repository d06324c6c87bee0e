"""Schemathesis fuzzes every operation of `/openapi.json` against a real server.

Positive and negative cases, a bounded number per operation, with a key pair
holding both scopes. Every response must be a non-5xx with a declared status,
content type and body shape; schema-invalid requests must be refused (4xx);
and a request without keys must be refused (Schemathesis' `ignored_auth`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bot.db.migrate import upgrade
from bot.web.api import openapi, routes
from tests.api.server import NEW_CASE_BODY, Keys, casebot_app, key_pair, running

# Examples per operation: enough to reach every member of every body (the
# run also sends the schema's examples and its boundary cases), kept bounded.
MAX_EXAMPLES = 15


@dataclass(frozen=True)
class Served:
    base_url: str
    keys: Keys


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{directory / 'casebot.db'}"
    upgrade(url)
    keys = key_pair(url, "cases_read", "cases_write", name="fuzz")
    with running(casebot_app(url)) as base_url:
        # Something for generated ids and keys to find: project OPS, cases OPS-1..3.
        with httpx.Client(base_url=base_url, headers=keys.headers) as client:
            project = client.post(
                "/api/v2/cases/projects",
                json={"data": {"type": "project", "attributes": {"name": "Ops", "key": "OPS"}}},
            )
            assert project.status_code == 201, project.text
            for _ in range(3):
                assert client.post("/api/v2/cases", json=NEW_CASE_BODY).status_code == 201
        yield Served(base_url, keys)


# What the app serves at /openapi.json (FastAPI's route answers `app.openapi()`; making
# it needs no database), read before any server runs; requests go to the server above.
schema = schemathesis.openapi.from_dict(casebot_app("sqlite:///:memory:").openapi()).include(
    path_regex="^/api/v2/"
)


def test_the_document_covers_every_route(served: Served) -> None:
    published = httpx.get(f"{served.base_url}/openapi.json").json()
    ours = openapi.document()
    assert {path: published["paths"][path] for path in ours["paths"]} == ours["paths"]
    mounted = {f"/api/v2{route.path}" for route in routes.routes()}  # type: ignore[attr-defined]
    assert mounted == set(ours["paths"])


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_no_schema_violations(case: Any, served: Served) -> None:
    excluded = []
    if case.operation.method.upper() == "GET" and case.operation.path == "/api/v2/cases":
        # A schema-valid `filter` is any string; one the query grammar cannot read is a
        # 400 naming the column (tested in test_refusals.py), which this check forbids.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(
        base_url=served.base_url, headers=served.keys.headers, excluded_checks=excluded
    )
