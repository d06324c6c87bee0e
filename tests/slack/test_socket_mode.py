"""Socket Mode end to end: envelopes over a real WebSocket, acks back on it, effects on the fakes.

With `SLACK_APP_TOKEN` set casebot asks `apps.connections.open` for a socket URL;
here the fake Web API hands out the URL of a local WebSocket server
(tests/slack/socket_mode.py), which sends what Slack would send.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.cases import case_timeline, cases
from tests.api.server import key_pair
from tests.builders import make_project
from tests.slack.issue_desk import make_ops_project
from tests.slack.server import JANE, NO_CASE_MESSAGE, TEAM, Client, modal_values, slack_server
from tests.slack.socket_mode import FakeSocket, SocketFakeSlack, running_socket_mode

_triggers = itertools.count(1)


@dataclass
class Socket:
    slack: Client
    fake: SocketFakeSlack
    socket: FakeSocket

    def send(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one envelope and return casebot's ack of it."""
        envelope_id = self.socket.send(kind, payload)
        return self.socket.wait_for_ack(envelope_id)

    def command(self, text: str) -> dict[str, Any]:
        # Slash command envelopes carry the form fields already parsed.
        return self.send(
            "slash_commands",
            {
                "token": "EXAMPLEverificationTOKEN",
                "team_id": TEAM["id"],
                "team_domain": TEAM["domain"],
                "channel_id": "C07OPSALRT",
                "channel_name": "ops-alerts",
                "user_id": JANE["id"],
                "user_name": JANE["username"],
                "command": "/case",
                "text": text,
                "api_app_id": "A06CASEBOT",
                "is_enterprise_install": "false",
                "response_url": self.fake.webhook_url,
                "trigger_id": _trigger(),
            },
        )

    def submit(self, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        return self.send(
            "interactive",
            {
                "type": "view_submission",
                "team": TEAM,
                "user": JANE,
                "api_app_id": "A06CASEBOT",
                "token": "EXAMPLEverificationTOKEN",
                "trigger_id": _trigger(),
                "view": {**view, "id": "V08CASE0MDL", "state": {"values": values}},
                "response_urls": [],
                "is_enterprise_install": False,
            },
        )


def _trigger() -> str:
    return f"{next(_triggers)}.5423419876543.socket"


@pytest.fixture
def sock(migrated_database_url: str) -> Iterator[Socket]:
    with (
        running_socket_mode() as (fake, socket),
        slack_server(
            migrated_database_url, fake, app_token="xapp-1-A06CASEBOT-test", signing_secret=None
        ) as client,
    ):
        with client.engine.begin() as conn:
            make_project(conn, name="Web Platform", key="WEB", handle="web")
        socket.wait_connected()
        yield Socket(client, fake, socket)


def test_a_slash_command_and_its_modal_create_a_case_over_the_socket(sock: Socket) -> None:
    (opened_socket,) = sock.fake.calls("apps.connections.open")
    assert opened_socket.headers["authorization"] == "Bearer xapp-1-A06CASEBOT-test"

    ack = sock.command("new Disk full on web-1")
    assert ack == {"envelope_id": ack["envelope_id"]}  # a bare ack: no payload
    (opened,) = sock.fake.wait_for("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "create_case_modal"
    title = next(b for b in view["blocks"] if b["block_id"] == "case_title")["element"]
    assert title["initial_value"] == "Disk full on web-1"

    ack = sock.submit(view, modal_values(title="Disk full on web-1", project="web"))
    assert ack == {"envelope_id": ack["envelope_id"]}  # the modal closes
    (told,) = sock.fake.wait_for("chat.postEphemeral")
    assert told.body["user"] == JANE["id"]
    assert told.body["text"].startswith("Case *WEB-1* created.")
    with sock.slack.engine.connect() as conn:
        row = conn.execute(select(cases.c.key, cases.c.creation_source)).one()
    assert tuple(row) == ("WEB-1", "SLACK")


def test_an_answer_in_the_ack_travels_back_as_the_envelope_payload(sock: Socket) -> None:
    ack = sock.command("what")
    assert ack["payload"]["text"].startswith("Usage: `/case new <title>`")
    assert ack["payload"]["response_type"] == "ephemeral"

    ack = sock.submit(  # an invalid modal: errors come back in the ack
        {"type": "modal", "callback_id": "create_case_modal", "private_metadata": "{}"},
        modal_values(title=" ", project="web"),
    )
    assert ack["payload"]["response_action"] == "errors"
    assert set(ack["payload"]["errors"]) == {"case_title"}


def test_an_alert_messages_create_case_click_opens_the_modal(sock: Socket) -> None:
    sock.slack.alert("Alert", message=NO_CASE_MESSAGE)
    (post,) = sock.fake.wait_for("chat.postMessage")
    sock.slack.wait_until_stored()
    ts = sock.slack.ts_of(post)
    actions = next(b for b in post.body["blocks"] if b["type"] == "actions")
    button = next(e for e in actions["elements"] if e["action_id"] == "create_case")
    ack = sock.send(
        "interactive",
        {
            "type": "block_actions",
            "user": JANE,
            "api_app_id": "A06CASEBOT",
            "token": "EXAMPLEverificationTOKEN",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": "C07OPSALRT",
                "is_ephemeral": False,
            },
            "trigger_id": _trigger(),
            "team": TEAM,
            "channel": {"id": "C07OPSALRT", "name": "ops-alerts"},
            "message": {"type": "message", "ts": ts, "text": post.body["text"]},
            "state": {"values": {}},
            "response_url": sock.fake.webhook_url,
            "actions": [{**button, "block_id": "alert_actions", "action_ts": "1795166403.1"}],
        },
    )
    assert ack == {"envelope_id": ack["envelope_id"]}
    (opened,) = sock.fake.wait_for("views.open")
    assert opened.body["view"]["callback_id"] == "create_case_modal"
    assert opened.body["trigger_id"].endswith(".socket")


def test_a_thread_reply_event_is_acked_and_mirrored_once_despite_a_retry(sock: Socket) -> None:
    sock.slack.alert("Alert")  # the default message opens a WEB case and posts to ops-alerts
    (post,) = sock.fake.wait_for("chat.postMessage")
    sock.slack.wait_until_stored()
    event = {
        "type": "message",
        "user": JANE["id"],
        "ts": "1795166742.000101",
        "text": "Cleared 38 GB of rotated logs under /var/log on web-1",
        "thread_ts": sock.slack.ts_of(post),
        "channel": "C07OPSALRT",
        "event_ts": "1795166742.000101",
        "channel_type": "channel",
    }
    payload = {
        "token": "EXAMPLEverificationTOKEN",
        "team_id": TEAM["id"],
        "api_app_id": "A06CASEBOT",
        "event": event,
        "type": "event_callback",
        "event_id": "Ev0SOCKET01",
        "event_time": 1795166742,
        "authorizations": [{"team_id": TEAM["id"], "user_id": "U06CASEBOT", "is_bot": True}],
    }
    first = sock.socket.send("events_api", payload, retry_attempt=0, retry_reason="")
    again = sock.socket.send("events_api", payload, retry_attempt=1, retry_reason="timeout")
    assert sock.socket.wait_for_ack(first) == {"envelope_id": first}
    assert sock.socket.wait_for_ack(again) == {"envelope_id": again}
    deadline = time.monotonic() + 10
    while not _comments(sock):
        assert time.monotonic() < deadline, "the reply was not mirrored"
        time.sleep(0.02)
    sock.slack.wait_handled("message", 2)  # the event and its retry
    assert _comments(sock) == [("jane.doe", event["text"])]


def _comments(sock: Socket) -> list[tuple[str, str]]:
    with sock.slack.engine.connect() as conn:
        rows = conn.execute(
            select(case_timeline.c.actor_name, case_timeline.c.body).where(
                case_timeline.c.kind == "comment"
            )
        ).all()
    return [(r.actor_name, r.body) for r in rows]


def test_an_issue_messages_create_case_click_over_the_socket(
    sock: Socket, migrated_database_url: str
) -> None:
    keys = key_pair(migrated_database_url, "error_tracking_read", "error_tracking_write")
    with sock.slack.engine.begin() as conn:
        make_ops_project(conn)
    event = {
        "data": {
            "type": "error_event",
            "attributes": {"service": "web-store", "error": {"type": "TypeError", "message": "x"}},
        }
    }
    answer = sock.slack.http.post("/api/v2/error-tracking/events", json=event, headers=keys.headers)
    assert answer.status_code in (200, 201), answer.text
    (post,) = sock.fake.wait_for("chat.postMessage")
    sock.slack.wait_until_stored()
    ts = sock.slack.ts_of(post)
    actions = next(b for b in post.body["blocks"] if b["type"] == "actions")
    ack = sock.send(
        "interactive",
        {
            "type": "block_actions",
            "user": JANE,
            "api_app_id": "A06CASEBOT",
            "container": {"type": "message", "message_ts": ts, "channel_id": "C07OPSALRT"},
            "trigger_id": _trigger(),
            "team": TEAM,
            "channel": {"id": "C07OPSALRT", "name": "ops-alerts"},
            "message": {"type": "message", "ts": ts, "text": post.body["text"]},
            "response_url": sock.fake.webhook_url,
            "actions": [{**actions["elements"][0], "block_id": "issue_actions"}],
        },
    )
    assert ack == {"envelope_id": ack["envelope_id"]}
    (update,) = sock.fake.wait_for("chat.update", where=lambda c: c.body["ts"] == ts)
    view = next(b for b in update.body["blocks"] if b["type"] == "actions")["elements"][0]
    assert view["text"]["text"] == "View case OPS-1"
    with sock.slack.engine.connect() as conn:
        assert conn.execute(select(cases.c.key, cases.c.creation_source)).one() == (
            "OPS-1",
            "ERROR_TRACKING",
        )
