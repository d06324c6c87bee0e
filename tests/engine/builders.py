"""Builders for engine and web tests: generic deliveries and projects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from bot.db.cases import case_timeline, cases
from bot.db.inbox import inbox
from bot.services.projects import ProjectService

T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)
MESSAGE = "Disk full on {{host.name}}. {{#is_alert}}@case-ops{{/is_alert}} @slack-ops"


def generic_body(
    state: str = "Alert",
    *,
    at: str = "2026-11-20T09:00:00Z",
    group: tuple[str, ...] = ("host:web-1",),
    monitor: str = "disk",
    message: str = MESSAGE,
    delivery_id: str | None = None,
    **extra: Any,
) -> bytes:
    body: dict[str, Any] = {
        "monitor": {"id": monitor, "name": "Disk full", "message": message},
        "group": list(group),
        "state": state,
        "timestamp": at,
        **extra,
    }
    if delivery_id is not None:
        body["delivery_id"] = delivery_id
    return orjson.dumps(body)


def add_project(
    engine: Engine,
    handle: str = "ops",
    key: str = "OPS",
    **options: Any,
) -> None:
    with engine.begin() as conn:
        ProjectService(conn, now=T0).create(name=handle, key=key, handle=handle, **options)


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def case_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(cases).order_by(cases.c.key)))


def timeline_count(engine: Engine) -> int:
    return count(engine, case_timeline)


def inbox_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(inbox).order_by(inbox.c.id)))
