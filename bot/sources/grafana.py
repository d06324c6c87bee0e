"""Grafana-managed alerting webhook contact point (payload version 1).

The envelope is Alertmanager's, plus per-alert `values` (refID -> number), `valueString`,
`ruleUID`, `orgId` and links. The monitor is the rule: its `ruleUID` when Grafana sends it,
else `<folder>/<alertname>`. Grafana's `DatasourceNoData` alerts become `No Data` for the rule
they stand for (`rulename`). Signatures are checked by `verify_signature`, which the web
layer calls with the raw body before parsing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from bot.core.events import MonitorEvent, Source
from bot.sources.config import GrafanaConfig
from bot.sources.errors import SignatureError, SourceError
from bot.sources.fields import JSONObject, bounded_id, describe, optional_str
from bot.sources.labelled_alerts import (
    Alert,
    alert_list,
    notification_attributes,
    read_alert,
    to_event,
)
from handles.types import State

NO_DATA_ALERT = "DatasourceNoData"
# Labels that identify the rule rather than the group.
_RULE_LABELS = ("alertname", "grafana_folder", "rulename")


def sign(body: bytes, secret: str, *, timestamp: str | None = None) -> str:
    """What Grafana sends: lowercase hex HMAC-SHA256 of the body, or of `timestamp:body`."""
    message = body if timestamp is None else timestamp.encode() + b":" + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    body: bytes,
    headers: Mapping[str, str],
    *,
    config: GrafanaConfig,
    now: datetime,
) -> None:
    """Raise `SignatureError` unless the delivery carries a good, fresh signature.

    A no-op when no secret is configured. `body` must be the raw request bytes. With a
    timestamp header configured the signed text is `timestamp:body`, and a timestamp more
    than `config.max_skew` away from `now` (either way) is rejected as a possible replay.
    """
    if config.secret is None:
        return
    lowered = {name.lower(): value for name, value in headers.items()}
    header_field = f"headers.{config.signature_header}"
    given = lowered.get(config.signature_header.lower())
    if not given:
        raise SignatureError(header_field, "is missing; the delivery must be signed")
    timestamp: str | None = None
    if config.timestamp_header is not None:
        timestamp_field = f"headers.{config.timestamp_header}"
        timestamp = lowered.get(config.timestamp_header.lower())
        if not timestamp:
            raise SignatureError(timestamp_field, "is missing")
        try:
            sent_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise SignatureError(
                timestamp_field, f"expected Unix seconds, got {timestamp!r}"
            ) from None
        if abs(now - sent_at) > config.max_skew:
            raise SignatureError(
                timestamp_field,
                f"is {int(abs((now - sent_at).total_seconds()))} s away from casebot's clock "
                f"(at most {int(config.max_skew.total_seconds())} s allowed)",
            )
    expected = sign(body, config.secret, timestamp=timestamp)
    if not hmac.compare_digest(expected, given.strip().lower()):
        raise SignatureError(header_field, "does not match the body and the configured secret")


def parse(payload: JSONObject, *, config: GrafanaConfig) -> list[MonitorEvent]:
    if payload.get("version") == "4" and "orgId" not in payload:
        raise SourceError(
            "version",
            '"4" is Alertmanager\'s webhook (send it to /webhooks/alertmanager)',
        )
    common = notification_attributes(payload)
    events = []
    for index, item in enumerate(alert_list(payload)):
        alert = read_alert(item, f"alerts[{index}]")
        no_data = alert.labels["alertname"] == NO_DATA_ALERT
        name = (alert.labels.get("rulename", "") if no_data else "") or alert.labels["alertname"]
        events.append(
            to_event(
                alert,
                source=Source.GRAFANA,
                config=config.labels,
                monitor_id=_monitor_id(alert, name),
                monitor_name=name,
                identity_labels=_RULE_LABELS,
                firing_state=State.NO_DATA if no_data else None,
                values=_with_value(_values(alert), config),
                attributes=common | _alert_attributes(alert, payload),
            )
        )
    return events


# Grafana's per-alert extras, under the names casebot's attributes use.
_EXTRAS = {
    "valueString": "value_string",
    "dashboardURL": "dashboard_url",
    "panelURL": "panel_url",
    "silenceURL": "silence_url",
    "imageURL": "image_url",
}


def _alert_attributes(alert: Alert, payload: JSONObject) -> dict[str, object]:
    attributes: dict[str, object] = {}
    for key, attribute in _EXTRAS.items():
        text = optional_str(alert.raw, key, alert.field)
        if text is not None:
            attributes[attribute] = text
    org_id = alert.raw.get("orgId", payload.get("orgId"))
    if isinstance(org_id, int | str) and not isinstance(org_id, bool):
        attributes["org_id"] = str(org_id)
    return attributes


def _monitor_id(alert: Alert, name: str) -> str:
    rule_uid = optional_str(alert.raw, "ruleUID", alert.field)
    if rule_uid is not None:
        return bounded_id(rule_uid, f"{alert.field}.ruleUID")
    folder = alert.labels.get("grafana_folder")
    return bounded_id(f"{folder}/{name}" if folder else name, f"{alert.field}.labels.alertname")


def _values(alert: Alert) -> dict[str, float | int]:
    raw = alert.raw.get("values")
    if raw is None:
        return {}
    field = f"{alert.field}.values"
    if not isinstance(raw, Mapping):
        raise SourceError(field, f"expected an object of numbers, got {describe(raw)}")
    values: dict[str, float | int] = {}
    for ref, number in raw.items():
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise SourceError(f"{field}.{ref}", f"expected a number, got {describe(number)}")
        values[ref] = number
    return values


def _with_value(
    values: dict[str, float | int], config: GrafanaConfig
) -> dict[str, str | int | float]:
    """The refID values plus `value`: the configured refID, else the last one before the
    condition (with the usual A query -> B reduce -> C threshold, that is B, the number a
    person wants to read; C is only 1 or 0)."""
    result: dict[str, str | int | float] = dict(values)
    if "value" in values or not values:
        return result
    if config.value_ref is not None:
        if config.value_ref in values:
            result["value"] = values[config.value_ref]
        return result
    candidates = sorted(ref for ref in values if ref != config.condition_ref)
    result["value"] = values[candidates[-1]] if candidates else values[config.condition_ref]
    return result
