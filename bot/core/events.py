"""The typed event every alert source produces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from enum import StrEnum

from bot.core.records import record
from handles.types import State

# The longest monitor id and alert-cycle key casebot stores (the width of their
# columns): a source refuses a longer one, naming its field, rather than let the
# database refuse the delivery after it was accepted.
MONITOR_ID_MAX = 200


class Source(StrEnum):
    DATADOG = "datadog"
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    GENERIC = "generic"


@record
class MonitorEvent:
    """One notification for one monitor group, whatever sent it.

    `message` is the notification text. When `rendered` is true the sender has
    already applied the template language (Datadog does): casebot only extracts
    mentions. Otherwise casebot renders it with `handles` for this transition.
    """

    source: Source
    monitor_id: str
    monitor_name: str
    # Canonical group key: sorted `k:v` tags joined by ",", or "*" for a simple alert.
    group: str
    state: State
    occurred_at: datetime
    message: str = ""
    rendered: bool = False
    title: str = ""
    previous_state: State | None = None
    renotify: bool = False
    priority: str | None = None
    tags: tuple[str, ...] = ()
    values: Mapping[str, str | int | float] = field(default_factory=dict)
    attributes: Mapping[str, object] = field(default_factory=dict)
    # The sender's delivery or event id, when it has one (dedupe key).
    delivery_id: str | None = None
    # The sender's own alert-cycle id (Datadog $ALERT_CYCLE_KEY), when it has one.
    cycle_key: str | None = None
    link: str | None = None
    # When the group's current non-OK episode began, if the sender says (Alertmanager
    # and Grafana `startsAt`); `occurred_at` is the time of this transition.
    first_triggered_at: datetime | None = None
