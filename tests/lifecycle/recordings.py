"""Recorded deliveries made in a test: a generic sender's events, written as `casebot
replay` reads them, and replayed through a pipeline (tests/payloads/README.md)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from bot.cli.replay import read_recordings, replay_one
from bot.pipeline import Pipeline
from bot.pipeline.reports import DeliveryReport

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
MESSAGE = "Disk full on {{host.name}}. {{#is_alert}}@case-ops{{/is_alert}} @slack-ops-alerts"
_serial = itertools.count(1)


def record(
    folder: Path,
    events: Sequence[tuple[float, str]],
    *,
    group: tuple[str, ...] = ("host:web-1",),
    monitor: str = "disk",
    message: str = MESSAGE,
    start: datetime = T0,
    name: str = "Disk full",
) -> Path:
    """Write one delivery per (minutes after `start`, state) into `folder`, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    for minutes, state in events:
        at = start + timedelta(minutes=minutes)
        n = next(_serial)
        body = {
            "delivery_id": f"d-{n}",
            "monitor": {"id": monitor, "name": name, "message": message},
            "group": list(group),
            "state": state,
            "timestamp": _text(at),
        }
        delivery = {
            "source": "generic",
            "received_at": _text(at + timedelta(seconds=1)),
            "headers": {"Content-Type": "application/json"},
            "body": body,
        }
        (folder / f"{n:04d}-{state.replace(' ', '-')}.json").write_text(json.dumps(delivery))
    return folder


def replay(engine: Engine, pipeline: Pipeline, *paths: Path) -> list[DeliveryReport]:
    reports = []
    for recording in read_recordings(paths, None):
        replayed = replay_one(engine, pipeline, recording, create_projects=False)
        assert replayed.report is not None
        reports.append(replayed.report)
    return reports


def _text(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
