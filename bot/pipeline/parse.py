"""Stage 1, parse: the raw body becomes one event per monitor group (bot/sources).

A Grafana delivery is checked against its signature first. Raises
`SignatureError` (refuse, store nothing) or `SourceError` (store as rejected).
"""

from __future__ import annotations

from datetime import datetime

from bot.core.events import MonitorEvent, Source
from bot.pipeline.reports import Delivery
from bot.sources import SourcesConfig, parse_delivery, verify_signature


def parse(
    delivery: Delivery, *, config: SourcesConfig, now: datetime, verify: bool = True
) -> list[MonitorEvent]:
    """Events of the delivery. A delivery read back from the inbox was verified when it
    arrived: `verify=False` skips the signature then."""
    if verify and delivery.source is Source.GRAFANA:
        verify_signature(delivery.body, delivery.headers, config=config.grafana, now=now)
    return parse_delivery(
        delivery.source,
        delivery.body,
        delivery.headers,
        config=config,
        received_at=delivery.received_at,
    )
