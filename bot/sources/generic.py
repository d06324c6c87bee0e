"""casebot's own event format, for senders that can post any JSON.

One delivery is one notification for one monitor group. `SCHEMA` is the published JSON
Schema (docs/alerts/generic.md prints it); a body is checked against it and every problem
is reported, not only the first.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.events import MONITOR_ID_MAX, MonitorEvent, Source
from bot.sources.errors import SourceError
from bot.sources.fields import JSONObject, parse_rfc3339
from bot.sources.groups import group_key
from bot.sources.json_schema import Validator
from handles.types import State

_STATES = [state.value for state in State]

SCHEMA: dict[str, object] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "casebot generic event",
    "description": "One notification for one monitor group, posted to /webhooks/generic.",
    "type": "object",
    "required": ["monitor", "state", "timestamp"],
    "additionalProperties": False,
    "properties": {
        "delivery_id": {
            "description": "The sender's id for this notification; a retry repeats it.",
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
        },
        "monitor": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "minLength": 1, "maxLength": MONITOR_ID_MAX},
                "name": {"description": "Defaults to the id.", "type": "string"},
                "priority": {"enum": ["P1", "P2", "P3", "P4", "P5", None]},
                "message": {
                    "description": "Notification text with @case-<handle> mentions and "
                    "{{#is_alert}} blocks; casebot renders it unless `rendered` is true.",
                    "type": "string",
                },
            },
        },
        "group": {
            "description": "The tags that tell this group from the monitor's others, as "
            "`key:value`; empty or absent for a monitor with one group.",
            "type": "array",
            "maxItems": 50,
            "items": {"type": "string", "minLength": 1, "pattern": "^[^,]+$"},
        },
        "state": {"enum": _STATES},
        "previous_state": {
            "description": "The state before this notification, when the sender knows it.",
            "enum": [*_STATES, None],
        },
        "renotify": {
            "description": "A repeat of the current state, not a change.",
            "type": "boolean",
        },
        "rendered": {
            "description": "monitor.message is final text: extract mentions, do not render.",
            "type": "boolean",
        },
        "title": {"type": "string"},
        "tags": {
            "description": "Extra `key:value` or bare tags; group tags are added.",
            "type": "array",
            "maxItems": 200,
            "items": {"type": "string", "minLength": 1},
        },
        "values": {
            "description": "Template variables such as value and threshold.",
            "type": "object",
            "additionalProperties": {"type": ["number", "string"]},
        },
        "timestamp": {
            "description": "When the transition happened (RFC 3339 with offset).",
            "type": "string",
            "format": "date-time",
        },
        "cycle_key": {
            "description": "The sender's id for the alert cycle (trigger to recovery), if any.",
            "type": "string",
            "minLength": 1,
            "maxLength": MONITOR_ID_MAX,
        },
        "link": {"type": "string"},
    },
    "examples": [
        {
            "delivery_id": "orders-api-5xx-20261120T091300Z",
            "monitor": {
                "id": "orders-api-5xx",
                "name": "Orders API 5xx rate",
                "priority": "P2",
                "message": "5xx rate is {{value}}%. {{#is_alert}}@case-web{{/is_alert}}",
            },
            "group": ["env:prod", "service:orders"],
            "state": "Alert",
            "values": {"value": 7.5, "threshold": 5},
            "timestamp": "2026-11-20T09:13:00Z",
        }
    ],
}
_VALIDATOR = Validator(SCHEMA)


def parse(payload: JSONObject) -> list[MonitorEvent]:
    problems = _VALIDATOR.errors(payload)
    if problems:
        field, message = problems[0]
        raise SourceError(field, message, problems=problems)
    # The schema has checked every type below; the casts only inform the type checker.
    monitor: Mapping[str, str | None] = payload["monitor"]  # type: ignore[assignment]
    group: list[str] = payload.get("group", [])  # type: ignore[assignment]
    tags: list[str] = payload.get("tags", [])  # type: ignore[assignment]
    values: dict[str, str | int | float] = payload.get("values", {})  # type: ignore[assignment]
    previous = payload.get("previous_state")
    monitor_id = str(monitor["id"])
    return [
        MonitorEvent(
            source=Source.GENERIC,
            monitor_id=monitor_id,
            monitor_name=monitor.get("name") or monitor_id,
            group=group_key(group),
            state=State(str(payload["state"])),
            previous_state=State(previous) if isinstance(previous, str) else None,
            renotify=payload.get("renotify") is True,
            occurred_at=parse_rfc3339(str(payload["timestamp"]), "timestamp"),
            message=monitor.get("message") or "",
            rendered=payload.get("rendered") is True,
            title=str(payload.get("title") or ""),
            priority=monitor.get("priority"),
            tags=tuple(dict.fromkeys([*group, *tags])),
            values=dict(values),
            delivery_id=_optional(payload, "delivery_id"),
            cycle_key=_optional(payload, "cycle_key"),
            link=_optional(payload, "link"),
        )
    ]


def _optional(payload: JSONObject, key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) and value else None
