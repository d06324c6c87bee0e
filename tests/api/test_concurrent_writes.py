"""Simultaneous API writes: every create gets its own gapless key, every change lands."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests import local_http
from tests.api.server import NEW_CASE_BODY, casebot_app, key_pair, running

WRITERS = 16


def test_simultaneous_creates_and_comments(migrated_database_url: str) -> None:
    keys = key_pair(migrated_database_url, "cases_read", "cases_write")
    with running(casebot_app(migrated_database_url)) as base_url:
        with local_http.Client(base_url=base_url, headers=keys.headers, timeout=30) as http:
            project = {"data": {"type": "project", "attributes": {"name": "Ops", "key": "OPS"}}}
            assert http.post("/api/v2/cases/projects", json=project).status_code == 201

        def create(_: int) -> str:
            with local_http.Client(base_url=base_url, headers=keys.headers, timeout=30) as client:
                response = client.post("/api/v2/cases", json=NEW_CASE_BODY)
                assert response.status_code == 201, response.text
                key: str = response.json()["data"]["attributes"]["key"]
                comment = {"data": {"type": "case", "attributes": {"comment": f"on {key}"}}}
                answer = client.post("/api/v2/cases/OPS-1/comment", json=comment)
                assert answer.status_code == 200, answer.text
                return key

        with ThreadPoolExecutor(WRITERS) as pool:
            keys_made = list(pool.map(create, range(WRITERS)))

        assert sorted(keys_made, key=lambda k: int(k.split("-")[1])) == [
            f"OPS-{n}" for n in range(1, WRITERS + 1)
        ]
        with local_http.Client(base_url=base_url, headers=keys.headers) as http:
            cells = http.get("/api/v2/cases/OPS-1/timelines", params={"page[size]": "100"})
            comments = [
                c["attributes"]["cell_content"]["message"]
                for c in cells.json()["data"]
                if c["attributes"]["type"] == "COMMENT"
            ]
    assert sorted(comments) == sorted(f"on {key}" for key in keys_made)
