"""Builders for the events the language tests render against."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from handles import Event, State, Transition


def make_event(
    previous: State | None = State.OK,
    current: State = State.ALERT,
    *,
    renotify: bool = False,
    priority: str | None = None,
    tags: tuple[str, ...] = (),
    values: Mapping[str, str | int | float] | None = None,
    attributes: Mapping[str, object] | None = None,
    first_triggered_at: datetime | None = None,
    last_triggered_at: datetime | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    return Event(
        Transition(previous, current, renotify, priority),
        tags=tags,
        values=dict(values or {}),
        attributes=dict(attributes or {}),
        first_triggered_at=first_triggered_at,
        last_triggered_at=last_triggered_at,
        occurred_at=occurred_at,
    )
