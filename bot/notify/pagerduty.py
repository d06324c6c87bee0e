"""PagerDuty destinations: Events API v2, the case key as `dedup_key`.

A new case triggers an incident, In Progress acknowledges it, Closed resolves it
(bot/core/notifications.py decides which); PagerDuty's schedules page whoever is
on call.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from bot.notify.http import post
from bot.notify.view import NotificationView

_SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning"}


def event(view: NotificationView, *, routing_key: str, action: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": view.case_key,
    }
    if action == "trigger":
        body["payload"] = {
            "summary": view.headline[:1024],
            "source": "casebot",
            "severity": _SEVERITY.get(view.priority, "info"),
            "component": view.project_key,
            "custom_details": {
                "status": view.status_name,
                "priority": view.priority,
                "assignee": view.assignee,
                "project": view.project_name,
            },
        }
        body["links"] = [{"href": view.url, "text": f"Case {view.case_key}"}]
    return body


async def send(
    client: httpx.AsyncClient,
    view: NotificationView,
    *,
    events_url: str,
    routing_key: str,
    action: str,
) -> str:
    body = orjson.dumps(event(view, routing_key=routing_key, action=action))
    return await post(client, events_url, body, {})
