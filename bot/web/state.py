"""What every route of the app shares: `WebState`, at `request.app.state.casebot`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.pipeline import Pipeline
from bot.services.cases import CaseListener
from bot.settings import Settings
from bot.web.metrics import Metrics
from bot.web.shutdown import Shutdown
from bot.web.writer import Writer


@dataclass(slots=True)
class WebState:
    """The engine (run database work in a thread: `anyio.to_thread.run_sync`), the
    settings, the pipeline and its writer, the webhook token, the metrics, and the case
    listeners every change goes through, whatever made it (a monitor, Slack, the API,
    the console): the list the app was assembled with, the pipeline's own; and the
    way down on SIGTERM (`shutdown`)."""

    settings: Settings
    engine: Engine
    pipeline: Pipeline
    writer: Writer
    token: str
    case_listeners: tuple[CaseListener, ...]
    shutdown: Shutdown
    metrics: Metrics = field(default_factory=Metrics)
