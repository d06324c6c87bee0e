"""Prometheus Alertmanager webhook, payload version 4.

The notification text is an annotation (`message` by default) that casebot renders with
`handles` for the transition (`rendered=False`). Prometheus expands `{{ … }}` in annotations
itself, so rules write casebot's conditional blocks as `<<#is_alert>>…<</is_alert>>`.
"""

from __future__ import annotations

from bot.core.events import MonitorEvent, Source
from bot.sources.config import LabelSourceConfig
from bot.sources.errors import SourceError
from bot.sources.fields import JSONObject, bounded_id
from bot.sources.labelled_alerts import (
    alert_list,
    notification_attributes,
    read_alert,
    to_event,
)

VERSION = "4"


def parse(payload: JSONObject, *, config: LabelSourceConfig) -> list[MonitorEvent]:
    version = payload.get("version")
    if version != VERSION:
        hint = (
            "; this looks like Grafana's webhook (send it to /webhooks/grafana)"
            if (version == "1" and "orgId" in payload)
            else ""
        )
        raise SourceError("version", f'expected "4", got {version!r}{hint}')
    common = notification_attributes(payload)
    events = []
    for index, item in enumerate(alert_list(payload)):
        alert = read_alert(item, f"alerts[{index}]")
        name = alert.labels["alertname"]
        events.append(
            to_event(
                alert,
                source=Source.ALERTMANAGER,
                config=config,
                monitor_id=bounded_id(name, f"{alert.field}.labels.alertname"),
                monitor_name=name,
                identity_labels=("alertname",),
                attributes=common,
            )
        )
    return events
