"""The values the notification language reads and returns.

These names are the contract the rest of casebot builds on: `bot/` imports
`State`, `Transition`, `Event`, `Mention` and `Rendered` from `handles`.
Fields may be added; existing ones keep their meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class State(StrEnum):
    """A monitor group's state, spelled as Datadog spells it."""

    OK = "OK"
    WARN = "Warn"
    ALERT = "Alert"
    NO_DATA = "No Data"
    UNKNOWN = "Unknown"


@dataclass(frozen=True, slots=True)
class Transition:
    """One notification's reason: from `previous` to `current`.

    `previous` is None when the group is new (it appears already non-OK).
    A renotification repeats the current state: `previous == current`.
    """

    previous: State | None
    current: State
    renotify: bool = False
    priority: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """What a template is rendered against: one transition of one group."""

    transition: Transition
    # Group and event tags as `key:value` (or bare `tag`) strings.
    tags: tuple[str, ...] = ()
    # Template variables: value, threshold, warn_threshold, comparator, ...
    values: Mapping[str, str | int | float] = field(default_factory=dict)
    # Any other attribute path, nested: {"host": {"name": "web-1"}, "log": {...}}.
    attributes: Mapping[str, object] = field(default_factory=dict)
    first_triggered_at: datetime | None = None
    last_triggered_at: datetime | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """An @-handle found in rendered text.

    kind: "case", "slack", "webhook", "team", "pagerduty", "workflow", "email".
    name: what follows the prefix (`storage` for `@case-storage`; the address for e-mail).
    raw: the handle exactly as written, with its `@`.
    """

    kind: str
    name: str
    raw: str
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Rendered:
    """The result of rendering a template for one event."""

    text: str
    mentions: tuple[Mention, ...] = ()
    # `{{override_priority 'Pn'}}` when one was rendered, else None.
    priority: str | None = None
    # Problems that did not stop the render, each naming line and column
    # (an `{{eval}}` over an empty variable, a division by zero).
    warnings: tuple[str, ...] = ()
