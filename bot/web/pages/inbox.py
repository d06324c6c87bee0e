"""`/inbox`: stored deliveries, newest first, as `casebot inbox list` shows them.

Each with its source, monitor, group, outcome (processed, duplicate, late,
rejected with the reason, failed with the error) and the cases it opened, updated
or closed; filters by outcome and source; `/inbox/ID` shows one delivery's raw
body and headers on demand. Admins **Retry** a failed delivery: it runs through the
app's own pipeline again (bot/pipeline/retry.py, as `casebot inbox retry`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.events import Source
from bot.pipeline import Pipeline
from bot.pipeline.retry import Retried, retry
from bot.services.inbox import RETRYABLE, InboxDetail, InboxEntry, InboxReader, Outcome
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.rendering import refusal, render

PAGE_SIZE = 50
OUTCOMES = tuple(outcome.value for outcome in Outcome)
SOURCES = tuple(source.value for source in Source)


@dataclass(frozen=True, slots=True)
class InboxFilter:
    outcome: str = ""
    source: str = ""
    before: int | None = None

    @classmethod
    def of(cls, params: Any) -> InboxFilter:
        outcome, source = params.get("outcome", ""), params.get("source", "")
        before = params.get("before", "")
        return cls(
            outcome if outcome in OUTCOMES else "",
            source if source in SOURCES else "",
            int(before) if before.isdigit() else None,
        )

    def url(self, **changes: Any) -> str:
        values = {"outcome": self.outcome, "source": self.source, "before": self.before}
        values.update(changes)
        params = {k: str(v) for k, v in values.items() if v}
        return "/inbox" + (f"?{urlencode(params)}" if params else "")


@dataclass(frozen=True, slots=True)
class InboxView:
    entries: tuple[InboxEntry, ...]
    names: dict[tuple[str, str], str]
    filter: InboxFilter
    can_retry: bool
    next_url: str | None
    notice: str | None = None
    outcomes: tuple[str, ...] = OUTCOMES
    sources: tuple[str, ...] = SOURCES

    def monitor(self, entry: InboxEntry, monitor_id: str) -> str:
        return self.names.get((entry.source, monitor_id), monitor_id)

    @staticmethod
    def retryable(entry: InboxEntry) -> bool:
        return entry.outcome in RETRYABLE


@dataclass(frozen=True, slots=True)
class DeliveryView:
    detail: InboxDetail
    names: dict[tuple[str, str], str]
    can_retry: bool
    notice: str | None = None

    @property
    def entry(self) -> InboxEntry:
        return self.detail.entry

    @property
    def body(self) -> str:
        """The raw body, indented when it is JSON (as received otherwise)."""
        text = self.detail.body.decode("utf-8", errors="replace")
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return text

    @property
    def result(self) -> str:
        return (
            json.dumps(self.detail.result, indent=2, ensure_ascii=False)
            if self.detail.result
            else ""
        )

    def monitor(self, monitor_id: str) -> str:
        return self.names.get((self.entry.source, monitor_id), monitor_id)


def _notice(request: Request) -> str | None:
    retried, outcome = request.query_params.get("retried", ""), request.query_params.get("now", "")
    if not retried.isdigit() or outcome not in OUTCOMES:
        return None
    detail = request.query_params.get("detail", "")[:300]
    return f"Retried #{retried}: {outcome}" + (f" ({detail})." if detail else ".")


@signed_in()
async def inbox_page(request: Request, signed: Signed) -> Response:
    chosen = InboxFilter.of(request.query_params)

    def load(conn: Connection) -> tuple[list[InboxEntry], dict[tuple[str, str], str]]:
        reader = InboxReader(conn)
        entries = reader.latest(
            outcomes=(chosen.outcome,) if chosen.outcome else (),
            sources=(chosen.source,) if chosen.source else (),
            before=chosen.before,
            limit=PAGE_SIZE + 1,
        )
        return entries, reader.monitor_names()

    entries, names = await signed.console.read(load)
    more = len(entries) > PAGE_SIZE
    shown = tuple(entries[:PAGE_SIZE])
    view = InboxView(
        shown,
        names,
        chosen,
        can_retry=signed.can_manage,
        next_url=chosen.url(before=shown[-1].id) if more else None,
        notice=_notice(request),
    )
    return render("inbox.html.j2", view=view, chrome=signed.chrome("inbox"))


def _inbox_id(request: Request) -> int:
    text = str(request.path_params["inbox_id"])
    return int(text) if text.isdigit() and len(text) < 19 else 0


@signed_in()
async def delivery_page(request: Request, signed: Signed) -> Response:
    inbox_id = _inbox_id(request)

    def load(conn: Connection) -> tuple[InboxDetail | None, dict[tuple[str, str], str]]:
        reader = InboxReader(conn)
        return reader.detail(inbox_id), reader.monitor_names()

    detail, names = await signed.console.read(load)
    if detail is None:
        return refusal(404, "No such delivery", f"The inbox has no delivery #{inbox_id}.",
                       signed.chrome("inbox"))  # fmt: skip
    view = DeliveryView(detail, names, signed.can_manage, notice=_notice(request))
    return render("delivery.html.j2", view=view, chrome=signed.chrome("inbox"))


@signed_in(Needs.MANAGE)
async def retry_delivery(request: Request, signed: Signed) -> Response:
    inbox_id = _inbox_id(request)
    form = await request.form()
    back = str(form.get("back") or "/inbox")
    back = back if back.startswith("/inbox") and "//" not in back else "/inbox"
    stored = await signed.console.read(lambda conn: InboxReader(conn).get(inbox_id))
    if stored is None:
        return refusal(404, "No such delivery", f"The inbox has no delivery #{inbox_id}.",
                       signed.chrome("inbox"))  # fmt: skip
    if stored.outcome not in RETRYABLE:
        return refusal(
            409, "Nothing to retry",
            f"#{inbox_id} is {stored.outcome}; only failed deliveries are retried.",
            signed.chrome("inbox"),
        )  # fmt: skip
    pipeline: Pipeline = request.app.state.casebot.pipeline
    engine, now = signed.console.engine, signed.now

    def run() -> Retried:
        return retry(engine, pipeline, stored, now=now)

    done = await anyio.to_thread.run_sync(run)
    params = {"retried": str(done.inbox_id), "now": done.outcome, "detail": done.detail or ""}
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}{urlencode(params)}", status_code=303)


routes = [
    Route("/inbox", inbox_page, methods=["GET"]),
    Route("/inbox/{inbox_id}", delivery_page, methods=["GET"]),
    Route("/inbox/{inbox_id}/retry", retry_delivery, methods=["POST"]),
]
