"""An error-tracking desk for Slack tests: the Slack client plus the error-tracking API.

`running_desk(database_url, fake)` starts casebot with Slack on (the fake Web API)
and project OPS (channel ops-alerts, the error-tracking default), and gives a
`Desk` that sends error events, calls the error-tracking and case APIs, and
reads the issue messages Slack got.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Connection, func, select

from bot.slack.issue_buttons import ISSUE_CREATE_CASE
from tests.api.server import key_pair
from tests.builders import make_project
from tests.fakes.slack_api import Call, FakeSlack
from tests.slack.server import JANE, Client, slack_server

EVENTS = "/api/v2/error-tracking/events"
SCOPES = ("error_tracking_read", "error_tracking_write", "cases_read", "cases_write")


@dataclass
class Desk:
    """The Slack client plus the error-tracking API's key headers."""

    slack: Client
    headers: dict[str, str]

    def event(self, message: str = "boom", **attributes: Any) -> httpx.Response:
        body = {
            "data": {
                "type": "error_event",
                "attributes": {
                    "service": "web-store",
                    "team": "Shopist",
                    "error": {"type": "TypeError", "message": message},
                    **attributes,
                },
            }
        }
        response = self.slack.http.post(EVENTS, json=body, headers=self.headers)
        assert response.status_code in (200, 201), response.text
        return response

    def api(self, method: str, path: str, body: Any = None, *, expect: int = 200) -> Any:
        response = self.slack.http.request(
            method, f"/api/v2/error-tracking{path}", json=body, headers=self.headers
        )
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def case(self, key: str, change: str, attributes: dict[str, Any]) -> Any:
        """POST /api/v2/cases/{key}/{change}, as a runbook would."""
        body = {"data": {"type": "case", "attributes": attributes}}
        response = self.slack.http.post(
            f"/api/v2/cases/{key}/{change}", json=body, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    def issue(self, issue_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self.api("GET", f"/issues/{issue_id}")["data"]
        return data

    def posted(self, count: int = 1) -> list[Call]:
        """The issue messages posted so far (thread replies left out)."""
        return self.slack.fake.wait_for(
            "chat.postMessage", count, where=lambda c: "thread_ts" not in c.body
        )

    def updates(self, message: Call, count: int = 1) -> list[Call]:
        """The chat.update calls of one posted message, once `count` have arrived."""
        ts = self.slack.ts_of(message)
        return self.slack.fake.wait_for("chat.update", count, where=lambda c: c.body["ts"] == ts)

    def click(self, message: Call, *, user: dict[str, str] = JANE) -> httpx.Response:
        self.slack.wait_until_stored()
        response = self.slack.click(message, ISSUE_CREATE_CASE, user=user)
        assert response.status_code == 200 and response.text == ""  # acked at once
        return response


@contextmanager
def running_desk(database_url: str, fake: FakeSlack) -> Iterator[Desk]:
    keys = key_pair(database_url, *SCOPES)
    with slack_server(database_url, fake) as client:
        with client.engine.begin() as conn:
            make_ops_project(conn)
        yield Desk(client, keys.headers)


def make_ops_project(conn: Connection) -> None:
    """The project every issue lands in: the error-tracking default, posting to ops-alerts."""
    make_project(
        conn,
        name="Ops",
        key="OPS",
        handle="ops",
        slack_channel="ops-alerts",
        is_error_tracking_default=True,
    )


def count(desk: Desk, table: Any) -> int:
    with desk.slack.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def texts(call: Call) -> str:
    """Every text of a message's blocks, joined: what a reader sees."""
    parts: list[str] = []
    for block in call.body["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            if "text" in element:
                text = element["text"]
                parts.append(text["text"] if isinstance(text, dict) else text)
    return "\n".join(parts)
