"""The noise report (bot/core/noise.py) over the stored cases: `casebot report noise`,
`GET /api/v2/reports/noise`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.core.noise import MonitorNoise, noise_report
from bot.db import noise_store
from bot.services.projects import ProjectReader


@dataclass(frozen=True, slots=True)
class NoiseReport:
    since: datetime
    until: datetime
    project: str | None  # the project's key, when the report is one project's
    monitors: list[MonitorNoise]


def noise(
    conn: Connection, *, since: datetime, until: datetime, project: str | None = None
) -> NoiseReport:
    """The report of cases opened since `since` (one project's, if given: its key, handle
    or id; `ProjectNotFound` if none). Muted notifications count for every project."""
    found = ProjectReader(conn).get(project) if project else None
    facts = noise_store.case_facts(conn, since=since, project_id=found.id if found else None)
    muted = noise_store.muted_counts(conn, since=since)
    monitors = noise_report(facts, muted)
    if found is not None:
        # One project's report lists the monitors that opened its cases.
        monitors = [m for m in monitors if m.cases_opened]
    return NoiseReport(since, until, found.key if found else None, monitors)
