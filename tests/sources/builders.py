"""Builders for source payloads: a valid delivery, changed only where a test says."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads"


def recorded_body(folder: str, name: str) -> dict[str, Any]:
    """The decoded body of one recorded delivery."""
    data: dict[str, Any] = orjson.loads((PAYLOADS / folder / name).read_bytes())
    body = data["body"]
    return copy.deepcopy(orjson.loads(body) if isinstance(body, str) else body)


def datadog_default(
    title: str = "[Triggered on {host:web-1}] Disk almost full", **changes: Any
) -> dict[str, Any]:
    body = recorded_body("datadog-default-alert-renotify-recovery", "01-triggered.json")
    body["title"] = title
    body.update(changes)
    return body


def datadog_rich(**changes: Any) -> dict[str, Any]:
    body = recorded_body("datadog-rich-cycle", "01-triggered.json")
    body.update(changes)
    return body


def am_alert(
    status: str = "firing",
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    starts_at: str = "2026-11-20T09:12:41.823Z",
    ends_at: str = "0001-01-01T00:00:00Z",
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": labels
        if labels is not None
        else {"alertname": "DiskFull", "instance": "web-1", "severity": "critical"},
        "annotations": annotations
        if annotations is not None
        else {"message": "Disk full. <<#is_alert>>@case-storage<</is_alert>>", "summary": "S"},
        "startsAt": starts_at,
        "endsAt": ends_at,
        "generatorURL": "https://prometheus.example.com/graph",
        "fingerprint": "0123456789abcdef",
    }


def am_message(*alerts: dict[str, Any], version: str = "4") -> dict[str, Any]:
    return {
        "receiver": "casebot",
        "status": "firing",
        "alerts": list(alerts),
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "https://alertmanager.example.com",
        "version": version,
        "groupKey": '{}:{alertname="DiskFull"}',
        "truncatedAlerts": 0,
    }


def grafana_message(**alert_changes: Any) -> dict[str, Any]:
    body = recorded_body("grafana", "01-firing.json")
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0].update(alert_changes)
    return body


def to_bytes(body: object) -> bytes:
    return orjson.dumps(body)
