"""The alerts of an Alertmanager-shaped notification (Alertmanager and Grafana).

Each entry of `alerts[]` is one monitor group: the monitor is the `alertname` (for Grafana,
the rule), the group is the alert's other labels. A notification is a snapshot of a whole
Alertmanager group, so it can mix firing and resolved alerts; each becomes its own event and
the top-level `status` is not used. The identity of one event is the alert's fingerprint,
status, `startsAt` and `endsAt`: Alertmanager repeats an unchanged alert (`repeat_interval`,
HA peers) with the same identity, so a repeat is a duplicate, not a new notification.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

from bot.core.events import MonitorEvent, Source
from bot.core.records import record
from bot.sources.config import LabelSourceConfig
from bot.sources.errors import SourceError
from bot.sources.fields import (
    JSONObject,
    as_object,
    describe,
    normalize_priority,
    optional_str,
    parse_rfc3339,
    required_str,
    string_map,
)
from bot.sources.groups import SIMPLE_GROUP
from handles.types import State

# Go's zero time: what Alertmanager sends as `endsAt` while an alert fires.
_ZERO_TIME_PREFIX = "0001-01-01T"


@record
class Alert:
    """One entry of `alerts[]`, checked. `field` is its path, for later errors."""

    field: str
    status: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at_text: str
    ends_at_text: str
    starts_at: datetime
    ends_at: datetime | None
    fingerprint: str
    generator_url: str | None
    raw: JSONObject

    @property
    def firing(self) -> bool:
        return self.status == "firing"

    @property
    def identity(self) -> str:
        return f"{self.fingerprint}:{self.status}:{self.starts_at_text}:{self.ends_at_text}"


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's `LabelSet.Fingerprint()`: FNV-1a 64 over the sorted label pairs."""
    value, prime = 14695981039346656037, 1099511628211
    for name in sorted(labels):
        for byte in name.encode() + b"\xff" + labels[name].encode() + b"\xff":
            value = ((value ^ byte) * prime) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def alert_list(payload: JSONObject) -> list[object]:
    if "alerts" not in payload:
        raise SourceError("alerts", "is missing")
    alerts = payload["alerts"]
    if not isinstance(alerts, list):
        raise SourceError("alerts", f"expected an array, got {describe(alerts)}")
    return alerts


def notification_attributes(payload: JSONObject) -> dict[str, object]:
    """What the whole notification says about where it came from."""
    found: dict[str, object | None] = {
        "group_key": optional_str(payload, "groupKey"),
        "receiver": optional_str(payload, "receiver"),
        "external_url": optional_str(payload, "externalURL"),
        "truncated_alerts": truncated_alerts(payload),
    }
    return {key: value for key, value in found.items() if value is not None}


def truncated_alerts(payload: JSONObject) -> int | None:
    """How many alerts the sender left out (`truncatedAlerts`, when `max_alerts` is
    set): their changes never reach casebot, which the inbox then says."""
    value = payload.get("truncatedAlerts")
    if value is None or value == 0:
        return None
    if type(value) is not int or value < 0:
        raise SourceError("truncatedAlerts", f"expected a count, got {describe(value)}")
    return value


def read_alert(value: object, field: str) -> Alert:
    obj = as_object(value, field)
    status = required_str(obj, "status", field)
    if status not in ("firing", "resolved"):
        raise SourceError(f"{field}.status", f"expected firing or resolved, got {status!r}")
    labels = string_map(obj, "labels", field, required=True)
    if not labels.get("alertname"):
        raise SourceError(f"{field}.labels.alertname", "is missing")
    starts_text = required_str(obj, "startsAt", field)
    ends_text = optional_str(obj, "endsAt", field) or ""
    ends_at = None
    if ends_text and not ends_text.startswith(_ZERO_TIME_PREFIX):
        ends_at = parse_rfc3339(ends_text, f"{field}.endsAt")
    if status == "resolved" and ends_at is None:
        raise SourceError(f"{field}.endsAt", "a resolved alert needs its resolution time")
    return Alert(
        field=field,
        status=status,
        labels=labels,
        annotations=string_map(obj, "annotations", field, required=False),
        starts_at_text=starts_text,
        ends_at_text=ends_text,
        starts_at=parse_rfc3339(starts_text, f"{field}.startsAt"),
        ends_at=ends_at,
        fingerprint=optional_str(obj, "fingerprint", field) or fingerprint(labels),
        generator_url=optional_str(obj, "generatorURL", field),
        raw=obj,
    )


def is_private(label: str) -> bool:
    """Grafana's internal `__name__`-style labels, which senders strip (and so do we)."""
    return label.startswith("__") and label.endswith("__")


@lru_cache(maxsize=64)
def _excluded(
    identity_labels: tuple[str, ...], configured: frozenset[str], priority_label: str
) -> frozenset[str]:
    """Labels that stay out of the group key (the same for every alert of a source)."""
    # The priority label describes the rule, not the member, so it stays out too.
    return frozenset({*identity_labels, *configured, priority_label})


def to_event(
    alert: Alert,
    *,
    source: Source,
    config: LabelSourceConfig,
    monitor_id: str,
    monitor_name: str,
    identity_labels: tuple[str, ...],
    firing_state: State | None = None,
    values: Mapping[str, str | int | float] | None = None,
    attributes: Mapping[str, object] | None = None,
    link: str | None = None,
) -> MonitorEvent:
    """The event for one alert. `identity_labels` name the monitor, so stay out of the group.

    `firing_state` overrides the severity mapping (Grafana's no-data alerts).
    """
    labels = alert.labels
    public = labels
    for name in labels:
        if name.startswith("__"):
            public = {k: v for k, v in labels.items() if not is_private(k)}
            break
    severity_state = firing_state or config.firing_state(public)
    excluded = _excluded(identity_labels, config.group_exclude_labels, config.priority_label)
    # One pass gives both: tags are every label but alertname, the group leaves out the
    # monitor's own labels; sorted by name, so already in canonical group order.
    tags: list[str] = []
    members: list[str] = []
    for name in sorted(public):
        value = public[name]
        if name == "alertname" or value == "":
            continue
        tag = f"{name}:{value}"
        tags.append(tag)
        if name not in excluded:
            members.append(tag)
    group = ",".join(members) or SIMPLE_GROUP
    priority_text = public.get(config.priority_label)
    message = alert.annotations.get(config.message_annotation, "")
    title = alert.annotations.get(config.title_annotation) or (
        monitor_name if group == "*" else f"{monitor_name} on {group}"
    )
    return MonitorEvent(
        source=source,
        monitor_id=monitor_id,
        monitor_name=monitor_name,
        group=group,
        state=severity_state if alert.firing else State.OK,
        # A resolved alert was firing at the severity its labels give; a firing one says
        # nothing of what came before.
        previous_state=None if alert.firing else severity_state,
        occurred_at=alert.starts_at if alert.firing or alert.ends_at is None else alert.ends_at,
        first_triggered_at=alert.starts_at,
        message=message,
        rendered=False,
        title=title,
        priority=normalize_priority(priority_text) if priority_text else None,
        tags=tuple(tags),
        values=dict(values or {}),
        attributes={
            "labels": dict(public),
            "annotations": dict(alert.annotations),
            "fingerprint": alert.fingerprint,
            **(attributes or {}),
        },
        delivery_id=alert.identity,
        cycle_key=_episode(alert, public, config),
        link=link if link is not None else alert.generator_url,
    )


def _episode(alert: Alert, labels: Mapping[str, str], config: LabelSourceConfig) -> str | None:
    """The alert's firing episode, as an alert-cycle key: when it began (`startsAt`).

    A repeat of the episode carries the same `startsAt`; an alert firing again
    after a resolve that never reached casebot carries a later one, which ends the
    old cycle (Alertmanager drops resolves in known cases). Only for a group that is
    this one alert: when configured exclusions fold several alerts into one group,
    their episodes begin at different times without any resolve lost between them.
    """
    if not config.group_exclude_labels.isdisjoint(labels):
        return None
    return alert.starts_at.isoformat()
