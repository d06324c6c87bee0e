"""`/reports/noise`: which monitors open cases nobody needs, as `casebot report noise`
and `GET /api/v2/reports/noise` tell it (bot/services/noise.py), for everyone signed in.

Over the last 7, 30 or 90 days (`?since=`, 30 by default; any span like `12h` or
`2w` is taken), for every project or one (`?project=KEY`), noisiest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.core.cases import Project
from bot.core.noise import MonitorNoise, describe_span, parse_since
from bot.services.errors import ProjectNotFound
from bot.services.noise import NoiseReport, noise
from bot.services.projects import ProjectReader
from bot.web.pages.guard import Signed, signed_in
from bot.web.pages.rendering import refusal, render

PERIODS = ("7d", "30d", "90d")
DEFAULT_PERIOD = "30d"


@dataclass(frozen=True, slots=True)
class NoiseView:
    report: NoiseReport
    period: str
    project: str  # the chosen project's key, or "" for all
    projects: tuple[Project, ...]
    periods: tuple[str, ...] = PERIODS

    @staticmethod
    def span(value: timedelta | None) -> str:
        return describe_span(value)

    @staticmethod
    def untouched(monitor: MonitorNoise) -> str:
        if not monitor.cases_opened:
            return "–"
        return f"{monitor.closed_untouched} ({monitor.untouched_share:.0%})"


@signed_in()
async def noise_page(request: Request, signed: Signed) -> Response:
    period = request.query_params.get("since", "").strip() or DEFAULT_PERIOD
    chosen = request.query_params.get("project", "").strip()
    since = parse_since(period, now=signed.now) if len(period) <= 8 else None
    if since is None:
        return refusal(400, "Not a period",
                       f"since must be a span like 7d, 30d, 12h or 2w, not {period!r}.",
                       signed.chrome("reports"))  # fmt: skip

    def load(conn: Connection) -> tuple[NoiseReport, list[Project]]:
        report = noise(conn, since=since, until=signed.now, project=chosen or None)
        return report, ProjectReader(conn).list()

    try:
        report, projects = await signed.console.read(load)
    except ProjectNotFound:
        return refusal(404, "No such project", f"No project has the key or handle {chosen!r}.",
                       signed.chrome("reports"))  # fmt: skip
    view = NoiseView(report, period, report.project or "", tuple(projects))
    return render("noise.html.j2", view=view, chrome=signed.chrome("reports"))


routes = [Route("/reports/noise", noise_page, methods=["GET"])]
