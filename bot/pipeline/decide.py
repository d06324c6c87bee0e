"""Stage 4, decide: what the notification does to its group and cases.

`bot.core.monitor.decide` decides; this looks up the projects the rendered
message's `@case-` mentions name, once per handle and transaction, and asks
`bot.core.downtimes.muting` whether a downtime mutes the notification (against
the downtimes the pipeline's cache holds: none, and nothing is asked).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection

from bot.core.alert_cycles import GroupState
from bot.core.cases import Project
from bot.core.downtimes import ActiveDowntime, muting
from bot.core.events import MonitorEvent
from bot.core.monitor import Decision, ProjectTarget, case_mentions, decide
from bot.db.projects import projects_by_handle
from handles.types import Rendered, Transition


class Projects:
    """The projects of one transaction, by handle (None: no such project); `by_id` holds
    those found, for the case service that opens their cases (it need not read them)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.known: dict[str, ProjectTarget | None] = {}
        self.by_id: dict[uuid.UUID, Project] = {}

    def named(self, handles: Iterable[str]) -> dict[str, ProjectTarget]:
        missing = [h for h in handles if h not in self.known]
        if missing:
            found = projects_by_handle(self.conn, missing)
            for handle in missing:
                project = found.get(handle)
                self.known[handle] = None if project is None else _target(project)
                if project is not None:
                    self.by_id[project.id] = project
        return {h: p for h in handles if (p := self.known.get(h)) is not None}


def _target(project: Project) -> ProjectTarget:
    return ProjectTarget(
        project_id=str(project.id),
        handle=project.handle,
        monitors_enabled=project.monitor_enabled,
        auto_close=project.auto_close,
        case_type=project.default_case_type,
    )


def decision(
    projects: Projects,
    group: GroupState | None,
    event: MonitorEvent,
    transition: Transition,
    rendered: Rendered,
    downtimes: Sequence[ActiveDowntime] = (),
    *,
    now: datetime,
) -> Decision:
    named = projects.named(case_mentions(rendered.mentions))
    muted = muting(downtimes, group, event, at=now) if downtimes else None
    return decide(group, event, transition, rendered, named, muted=muted)
