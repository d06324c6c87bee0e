"""A real casebot server for API tests: `create_app` under uvicorn on a free port.

`running(app)` starts uvicorn in a thread on 127.0.0.1 (port 0: the system
picks a free one) and yields the base URL; `key_pair(url, scopes)` stores a
new key pair the way `casebot keys create` does and returns its headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from bot.core.cases import CaseEvent
from bot.db.engine import make_engine
from bot.services import keys as api_keys
from bot.settings import Settings
from bot.web.app import create_app
from tests.web.server import running as running  # the API tests start servers with it

STANDARD_TYPE_ID = "00000000-0000-0000-0000-000000000001"
WEBHOOK_TOKEN = "test-webhook-token-0123456789"
# A case in project OPS, as a client would create it.
NEW_CASE_BODY = {
    "data": {
        "type": "case",
        "attributes": {"title": "Disk full", "type_id": STANDARD_TYPE_ID},
        "relationships": {"project": {"data": {"id": "OPS", "type": "project"}}},
    }
}


@dataclass(frozen=True, slots=True)
class Keys:
    api_key: str
    application_key: str
    user_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"DD-API-KEY": self.api_key, "DD-APPLICATION-KEY": self.application_key}


def key_pair(database_url: str, *scopes: str, name: str = "tests") -> Keys:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            pair = api_keys.create_key(
                conn, name=name, scopes=api_keys.parse_scopes(scopes), now=datetime.now(UTC)
            )
    finally:
        engine.dispose()
    assert pair.key.user_id is not None
    return Keys(pair.api_key, pair.application_key, str(pair.key.user_id))


class RecordingListener:
    """A case listener like the Slack one: it records every event it is told about."""

    def __init__(self) -> None:
        self.events: list[CaseEvent] = []

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        self.events.append(event)


def casebot_app(database_url: str, *, listener: RecordingListener | None = None) -> Any:
    settings = Settings(database_url=database_url, webhook_token=WEBHOOK_TOKEN)
    return create_app(settings, case_listeners=[listener] if listener else [])
