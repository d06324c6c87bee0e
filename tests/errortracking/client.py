"""An error-tracking API client for tests: the real app, over HTTP, with a key pair.

`et_api(engine, url)` starts `create_app` (lifespan included) behind
Starlette's TestClient and stores a key pair with every scope. Methods speak
the JSON bodies of the API and fail the test on an unexpected status, naming
the response body; `expect=` says which status a call should get.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.services.projects import ProjectService
from bot.services.users import UserService
from bot.settings import Settings
from bot.web.app import create_app
from tests.api.server import RecordingListener, key_pair

ALL_SCOPES = ("cases_read", "cases_write", "error_tracking_read", "error_tracking_write")
Json = dict[str, Any]


class EtApi:
    def __init__(self, client: TestClient, engine: Engine, headers: dict[str, str]) -> None:
        self.client = client
        self.engine = engine
        self.headers = headers

    # --- raw ---------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        *,
        expect: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Any:
        response = self.client.request(
            method, path, json=body, headers=self.headers if headers is None else headers
        )
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None

    # --- setup straight in the database (not what the tests are about) --------------

    def project(self, key: str, *, default: bool = False) -> str:
        """The project with this key, created on first use."""
        with self.engine.begin() as conn:
            service = ProjectService(conn, now=datetime.now(UTC))
            found = service.find(key)
            if found is not None:
                return str(found.id)
            project = service.create(
                name=key.title(), key=key, handle=key.lower(), is_error_tracking_default=default
            )
        return str(project.id)

    def user(self, name: str) -> str:
        with self.engine.begin() as conn:
            user = UserService(conn, now=datetime.now(UTC)).ensure(
                name=name, email=f"{name}@example.com"
            )
        return str(user.id)

    # --- error tracking ---------------------------------------------------------------

    def event(
        self,
        service: str = "web-store",
        error_type: str = "TypeError",
        *,
        expect: int | None = None,
        **attributes: Any,
    ) -> Json:
        body = {
            "data": {
                "type": "error_event",
                "attributes": {
                    "service": service,
                    "error": {"type": error_type, "message": attributes.pop("message", "boom")},
                    **attributes,
                },
            }
        }
        response = self.client.post(
            "/api/v2/error-tracking/events", json=body, headers=self.headers
        )
        if expect is not None:
            assert response.status_code == expect, response.text
        assert response.status_code in (200, 201), response.text
        document: Json = response.json()
        return document

    def new_issue(
        self, service: str = "web-store", error_type: str | None = None, **attributes: Any
    ) -> str:
        error_type = error_type or f"Error{uuid.uuid4().hex[:8]}"
        return str(self.event(service, error_type, expect=201, **attributes)["data"]["id"])

    def issue(self, issue_id: str) -> Json:
        data: Json = self.call("GET", f"/api/v2/error-tracking/issues/{issue_id}")["data"]
        return data

    def state(self, issue_id: str) -> str:
        return str(self.issue(issue_id)["attributes"]["state"])

    def set_state(self, issue_id: str, state: str, *, expect: int = 200) -> Any:
        body = {
            "data": {"id": issue_id, "type": "error_tracking_issue", "attributes": {"state": state}}
        }
        return self.call(
            "PUT", f"/api/v2/error-tracking/issues/{issue_id}/state", body, expect=expect
        )

    def create_case(self, issue_id: str, project: str | None = None, *, expect: int = 201) -> Any:
        body = None
        if project is not None:
            body = {
                "data": {
                    "type": "case",
                    "relationships": {"project": {"data": {"id": project, "type": "project"}}},
                }
            }
        return self.call(
            "POST", f"/api/v2/error-tracking/issues/{issue_id}/case", body, expect=expect
        )

    def link(self, issue_id: str, case_ref: str, *, expect: int = 200) -> Any:
        body = {"data": {"type": "case", "id": case_ref}}
        return self.call(
            "POST", f"/api/v2/error-tracking/issues/{issue_id}/case", body, expect=expect
        )

    def assign_issue(self, issue_id: str, user_id: str) -> Any:
        body = {"data": {"id": user_id, "type": "assignee"}}
        return self.call("PUT", f"/api/v2/error-tracking/issues/{issue_id}/assignee", body)

    def comment_issue(self, issue_id: str, text: str) -> Any:
        body = {"data": {"type": "comment", "attributes": {"comment": text}}}
        return self.call(
            "POST", f"/api/v2/error-tracking/issues/{issue_id}/comment", body, expect=201
        )

    def activity(self, issue_id: str) -> list[Json]:
        data: list[Json] = self.call("GET", f"/api/v2/error-tracking/issues/{issue_id}/activity")[
            "data"
        ]
        return data

    # --- the case API ---------------------------------------------------------------

    def case(self, case_ref: str) -> Json:
        data: Json = self.call("GET", f"/api/v2/cases/{case_ref}")["data"]
        return data

    def case_status(self, case_ref: str) -> str:
        return str(self.case(case_ref)["attributes"]["status"])

    def set_case_status(self, case_ref: str, status: str) -> Any:
        body = {"data": {"type": "case", "attributes": {"status": status}}}
        return self.call("POST", f"/api/v2/cases/{case_ref}/status", body)

    def assign_case(self, case_ref: str, user_id: str) -> Any:
        body = {"data": {"type": "case", "attributes": {"assignee_id": user_id}}}
        return self.call("POST", f"/api/v2/cases/{case_ref}/assign", body)

    def comment_case(self, case_ref: str, text: str) -> Any:
        body = {"data": {"type": "case", "attributes": {"comment": text}}}
        return self.call("POST", f"/api/v2/cases/{case_ref}/comment", body)

    def timeline(self, case_ref: str) -> list[Json]:
        data: list[Json] = self.call("GET", f"/api/v2/cases/{case_ref}/timelines?page[size]=100")[
            "data"
        ]
        return data

    def case_issues(self, case_ref: str) -> list[Json]:
        data: list[Json] = self.call("GET", f"/api/v2/error-tracking/cases/{case_ref}/issues")[
            "data"
        ]
        return data


@contextmanager
def et_api(
    engine: Engine, database_url: str, *, listener: RecordingListener | None = None
) -> Iterator[EtApi]:
    settings = Settings(database_url=database_url, webhook_token="test-webhook-token-0123456789")
    app = create_app(
        settings,
        engine=engine,
        case_listeners=[listener] if listener else [],
        migrate=False,
    )
    keys = key_pair(database_url, *ALL_SCOPES)
    with TestClient(app) as client:
        yield EtApi(client, engine, keys.headers)
