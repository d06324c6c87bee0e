"""A real casebot server with Slack on, talking to the fake Slack Web API.

`slack_server(database_url, fake)` runs `create_app` under uvicorn on a free port
and gives a `Client` that sends what Slack and the monitors send: signed
interaction payloads, slash commands and events, and generic alert webhooks.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from bot.db.engine import make_engine
from bot.notify.settings import NotifySettings
from bot.settings import Settings
from bot.slack.settings import SlackSettings
from bot.web.app import create_app
from tests import local_http
from tests.api.server import running
from tests.fakes.slack_api import Call, FakeSlack
from tests.fakes.slack_signing import interactive_body, signed_headers

SIGNING_SECRET = "test-signing-secret-0123456789"
WEBHOOK_TOKEN = "test-webhook-token-0123456789"
PUBLIC_URL = "https://casebot.example.com"
TEAM = {"id": "T05EXAMPLE", "domain": "example-corp"}
JANE = {"id": "U04JDOE123", "username": "jane.doe", "name": "jane.doe", "team_id": "T05EXAMPLE"}
BOB = {"id": "U05BOB4567", "username": "bob", "name": "bob", "team_id": "T05EXAMPLE"}

ALERT_MESSAGE = "5xx rate is {{value}}%. {{#is_alert}}@case-web{{/is_alert}} @slack-ops-alerts"
NO_CASE_MESSAGE = "5xx rate is {{value}}%. @slack-ops-alerts"

_serial = itertools.count(1)
_clock = itertools.count(0)


@dataclass
class Client:
    url: str
    fake: FakeSlack
    engine: Engine
    http: httpx.Client

    # -- monitors --------------------------------------------------------------------------

    def alert(
        self,
        state: str,
        *,
        message: str = ALERT_MESSAGE,
        monitor: str = "orders-api-5xx",
        group: tuple[str, ...] = ("service:orders",),
        value: float = 7.5,
        previous: str | None = None,
    ) -> httpx.Response:
        at = datetime(2026, 11, 20, 16, 0, tzinfo=UTC) + timedelta(minutes=next(_clock))
        body: dict[str, Any] = {
            "delivery_id": f"d-{next(_serial)}",
            "monitor": {"id": monitor, "name": "Orders API 5xx rate", "message": message},
            "group": list(group),
            "state": state,
            "values": {"value": value},
            "timestamp": at.isoformat().replace("+00:00", "Z"),
            "link": "https://metrics.example.com/d/orders",
        }
        if previous:
            body["previous_state"] = previous
        response = self.http.post(f"/webhooks/generic?token={WEBHOOK_TOKEN}", json=body)
        assert response.status_code == 202, response.text
        return response

    # -- Slack -----------------------------------------------------------------------------

    def interact(
        self, payload: dict[str, Any], *, secret: str = SIGNING_SECRET, timestamp: int | None = None
    ) -> httpx.Response:
        body = interactive_body(payload)
        headers = signed_headers(secret, body, timestamp=timestamp)
        return self.http.post("/slack/events", content=body, headers=headers)

    def command(self, text: str, *, user: dict[str, str] = JANE) -> httpx.Response:
        body = urlencode(
            {
                "token": "EXAMPLEverificationTOKEN",
                "team_id": TEAM["id"],
                "team_domain": TEAM["domain"],
                "channel_id": "C07OPSALRT",
                "channel_name": "ops-alerts",
                "user_id": user["id"],
                "user_name": user["username"],
                "command": "/case",
                "text": text,
                "api_app_id": "A06CASEBOT",
                "response_url": self.fake.webhook_url,
                "trigger_id": f"{next(_serial)}.5423419876543.abc",
            }
        )
        return self.http.post(
            "/slack/events", content=body, headers=signed_headers(SIGNING_SECRET, body)
        )

    def event(
        self, event: dict[str, Any], *, event_id: str, retry_num: int | None = None
    ) -> httpx.Response:
        body = json.dumps(
            {
                "token": "EXAMPLEverificationTOKEN",
                "team_id": TEAM["id"],
                "api_app_id": "A06CASEBOT",
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [
                    {"team_id": TEAM["id"], "user_id": "U06CASEBOT", "is_bot": True}
                ],
            }
        )
        headers = signed_headers(
            SIGNING_SECRET, body, content_type="application/json", retry_num=retry_num
        )
        return self.http.post("/slack/events", content=body, headers=headers)

    def click(
        self, message: Call, action_id: str, *, user: dict[str, str] = JANE
    ) -> httpx.Response:
        """Click a button of a posted (or updated) alert message, as Slack would send it."""
        ts = self.ts_of(message)
        blocks = message.body["blocks"]
        actions = next(b for b in blocks if b["type"] == "actions")
        button = next(e for e in actions["elements"] if e["action_id"] == action_id)
        return self.interact(
            {
                "type": "block_actions",
                "user": user,
                "api_app_id": "A06CASEBOT",
                "token": "EXAMPLEverificationTOKEN",
                "container": {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": message.body["channel"],
                    "is_ephemeral": False,
                },
                "trigger_id": f"{next(_serial)}.5423419876543.3f1c9a0b",
                "team": TEAM,
                "channel": {"id": message.body["channel"], "name": "ops-alerts"},
                "message": {
                    "type": "message",
                    "ts": ts,
                    "text": message.body["text"],
                    "blocks": blocks,
                },
                "state": {"values": {}},
                "response_url": self.fake.webhook_url,
                "actions": [
                    {**button, "block_id": "alert_actions", "action_ts": "1795166403.117204"}
                ],
            }
        )

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        *,
        user: dict[str, str] = JANE,
    ) -> httpx.Response:
        """Submit a modal that casebot opened (`view` as sent to views.open)."""
        return self.interact(
            {
                "type": "view_submission",
                "team": TEAM,
                "user": user,
                "api_app_id": "A06CASEBOT",
                "trigger_id": f"{next(_serial)}.5423419876543.9d8e",
                "view": {
                    **view,
                    "id": "V08CASE0MDL",
                    "state": {"values": values},
                    "hash": "1795166404.Xk2PqR7s",
                },
                "response_urls": [],
            }
        )

    # -- reading what Slack got ----------------------------------------------------------

    def ts_of(self, message: Call) -> str:
        """The ts of a posted message (or the ts an update targeted)."""
        return str(message.body.get("ts") or message.answer["ts"])

    def wait_until_stored(self, timeout: float = 10.0) -> None:
        """Wait until casebot has stored the ts of every live message it posted."""
        from sqlalchemy import func, select

        from bot.db.slack_tables import slack_messages

        deadline = time.monotonic() + timeout
        while True:
            with self.engine.connect() as conn:
                missing = conn.execute(
                    select(func.count()).where(slack_messages.c.ts.is_(None))
                ).scalar_one()
            if not missing:
                return
            assert time.monotonic() < deadline, "live messages were not stored in time"
            time.sleep(0.02)

    def handled(self, kind: str) -> int:
        """How many Slack requests of `kind` (button, modal, command, message) casebot has
        finished handling, whatever the outcome, as /metrics counts them."""
        text = self.http.get("/metrics").text
        return int(
            sum(
                sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name == "casebot_slack_events_total" and sample.labels.get("kind") == kind
            )
        )

    def wait_handled(self, kind: str, count: int, timeout: float = 10.0) -> None:
        """Wait until `count` requests of `kind` were handled: the control event a test
        waits for before it checks that a request changed nothing."""
        deadline = time.monotonic() + timeout
        while (done := self.handled(kind)) < count:
            assert time.monotonic() < deadline, f"{done} of {count} {kind} requests handled"
            time.sleep(0.02)
        assert done == count, f"{done} {kind} requests handled, expected {count}"

    def outbox_settled(self, timeout: float = 10.0) -> dict[str, int]:
        """Wait until no Slack call is pending, and return the outbox's counts by status:
        every call the changes so far asked for has then been made (or has failed)."""
        from bot.services import outbox

        deadline = time.monotonic() + timeout
        while True:
            with self.engine.connect() as conn:
                counts = outbox.counts(conn)
            if not counts.get("pending"):
                return counts
            assert time.monotonic() < deadline, f"the outbox never settled: {counts}"
            time.sleep(0.02)

    def latest(self, ts: str | None = None) -> Call:
        """The last post or update of the alert message (thread replies excluded)."""
        calls = [
            c
            for c in self.fake.calls(ok_only=True)
            if c.method in ("chat.postMessage", "chat.update") and "thread_ts" not in c.body
        ]
        if ts is not None:
            calls = [c for c in calls if self.ts_of(c) == ts]
        assert calls, "no alert message was posted"
        return calls[-1]


def buttons(call: Call) -> list[str]:
    actions = next(b for b in call.body["blocks"] if b["type"] == "actions")
    return [e["action_id"] for e in actions["elements"]]


def modal_values(**fields: str) -> dict[str, dict[str, Any]]:
    """view.state.values for the Create Case modal."""
    values: dict[str, dict[str, Any]] = {}
    plain = {
        "title": ("case_title", "title_input"),
        "description": ("case_description", "description_input"),
    }
    selects = {
        "project": ("case_project", "project_select"),
        "type": ("case_type", "type_select"),
        "priority": ("case_priority", "priority_select"),
    }
    for name, value in fields.items():
        if name in plain:
            block, action = plain[name]
            values[block] = {action: {"type": "plain_text_input", "value": value}}
        else:
            block, action = selects[name]
            option = {"text": {"type": "plain_text", "text": value}, "value": value}
            values[block] = {action: {"type": "static_select", "selected_option": option}}
    return values


@contextmanager
def slack_server(
    database_url: str, fake: FakeSlack, *, notify: NotifySettings | None = None, **slack: Any
) -> Iterator[Client]:
    settings = Settings(
        database_url=database_url,
        notify=notify or NotifySettings(),
        webhook_token=WEBHOOK_TOKEN,
        public_url=PUBLIC_URL,
        slack=SlackSettings(
            **{
                "bot_token": "xoxb-test",
                "signing_secret": SIGNING_SECRET,
                "api_url": fake.url,
                "pace": 0.0,
                "timeout": 2.0,
                **slack,
            }
        ),
    )
    engine = make_engine(database_url)
    try:
        with (
            running(create_app(settings)) as url,
            local_http.Client(base_url=url, timeout=10) as http,
        ):
            yield Client(url, fake, engine, http)
    finally:
        engine.dispose()
