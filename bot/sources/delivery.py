"""One entry point for every source: raw delivery in, typed events out.

Pure: no clock reads, no I/O. The caller passes the received time when a payload may need
it and verifies signatures (`grafana.verify_signature`) before parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import orjson

from bot.core.events import MonitorEvent, Source
from bot.sources import alertmanager, datadog, generic, grafana
from bot.sources.config import SourcesConfig
from bot.sources.errors import BodyNotJSON, SourceError
from bot.sources.fields import JSONObject, describe

_DEFAULT_CONFIG = SourcesConfig()


def decode_body(body: bytes | str | Mapping[str, object]) -> JSONObject:
    """The body as a JSON object; `BodyNotJSON` (400) or `SourceError('body')` (422)."""
    if isinstance(body, Mapping):
        return body
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise BodyNotJSON(f"is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise SourceError("body", f"expected a JSON object, got {describe(value)}")
    return value


def parse_delivery(
    source: Source,
    body: bytes | str | Mapping[str, object],
    headers: Mapping[str, str] | None = None,
    *,
    config: SourcesConfig = _DEFAULT_CONFIG,
    received_at: datetime | None = None,
) -> list[MonitorEvent]:
    """Every monitor group event in one delivery, in the sender's order.

    Raises `SourceError` (naming the field) when the body is not the source's shape. An
    Alertmanager or Grafana notification with an empty `alerts` list gives no events.
    `headers` and `received_at` are accepted for senders whose shape depends on them; none
    of the current four needs them.
    """
    del headers, received_at  # part of the contract; no current source reads them
    payload = decode_body(body)
    match source:
        case Source.DATADOG:
            return datadog.parse(payload)
        case Source.ALERTMANAGER:
            return alertmanager.parse(payload, config=config.alertmanager)
        case Source.GRAFANA:
            return grafana.parse(payload, config=config.grafana)
        case Source.GENERIC:
            return generic.parse(payload)
    raise SourceError("source", f"unknown source {source!r}")
