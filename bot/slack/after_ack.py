"""The work a Slack listener does after its ack, and how the runtime hears it ended."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)

# The kinds of request `SlackRuntime.handled` hears of.
BUTTON, MODAL, COMMAND_KIND, MESSAGE = "button", "modal", "command", "message"


async def after_ack(runtime: SlackRuntime, kind: str, work: Awaitable[object]) -> None:
    """Run the work that follows an ack; an error is logged, never raised. The runtime
    hears that the `kind` of request was handled, and how (`done`; `ignored` when the
    work answered None for a message; `failed`), once the work has ended.

    Bolt resets an already sent ack when a listener raises right after it, and the
    click would then fail after 3 s; and nobody is waiting for the answer anyway.
    """
    try:
        result = await work
    except Exception:
        log.exception("Slack listener failed after its ack (%s)", kind)
        runtime.handled(kind, "failed")
        return
    runtime.handled(kind, "ignored" if kind == MESSAGE and result is None else "done")
