"""The Slack app at run time: the Bolt app that hears Slack, over `SlackOutbound`.

`SlackRuntime(settings, engine, outbound, case_listeners=...)` takes the app's
case listener list, built once where the app is assembled (bot/web/app.py):
changes made from Slack reach the same listeners as any other change. The
server registers the Bolt listeners on `bolt` (bot/slack/listeners.py).
`start()` runs in the server's event loop: it starts the outbox sender task
and, with `SLACK_APP_TOKEN`, a Socket Mode connection. Database work always
runs in worker threads (`db`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.core.cases import Case
from bot.services import outbox
from bot.services.cases import CaseListener
from bot.slack.case_desk import SlackUser
from bot.slack.outbound import SlackOutbound
from bot.slack.settings import SlackSettings

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SlackRuntime:
    def __init__(
        self,
        settings: SlackSettings,
        engine: Engine,
        outbound: SlackOutbound,
        *,
        case_listeners: Sequence[CaseListener],
        now: Callable[[], datetime] = _utcnow,
        handled: Callable[[str, str], None] = lambda kind, outcome: None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.now = now
        self.outbound = outbound
        self.client = outbound.client
        self.sender = outbound.sender
        self.notifier = outbound.notifier
        self.issues = outbound.issues
        self.links = outbound.notifier.links
        # Who hears of a change made from Slack: the app's case listeners (issue sync,
        # the notifier, the issue announcer, the console's feed).
        self.case_listeners = tuple(case_listeners)
        # Told (kind, outcome) when the work after an ack has ended: the server counts
        # it in /metrics, which is also how a caller knows a request was fully handled.
        self.handled = handled
        self._bot: dict[str, str | None] = {"user_id": None, "bot_id": None, "team_id": None}
        self._profiles: dict[str, tuple[str, str | None]] = {}
        self._zones: dict[str, str] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        self._socket: Any = None
        self.bolt = AsyncApp(
            signing_secret=settings.signing_secret or "unused-in-socket-mode",
            client=self.client,
            authorize=self._authorizer(),
            request_verification_enabled=not settings.socket_mode,
            process_before_response=False,
            raise_error_for_unhandled_request=False,
        )

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.sender.run(), name="slack-outbox"))
        self._tasks.append(asyncio.create_task(self._identify(), name="slack-auth-test"))
        if self.settings.socket_mode:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.bolt, self.settings.app_token)
            self._tasks.append(asyncio.create_task(self._connect(), name="slack-socket-mode"))
            log.info("Slack is on (Socket Mode)")
        else:
            log.info("Slack is on (HTTP mode at POST /slack/events)")

    async def stop(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    # -- for listeners ----------------------------------------------------------------------

    async def db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run `fn(conn, *args, **kwargs)` in one transaction, in a worker thread."""

        def work() -> Any:
            with self.engine.begin() as conn:
                return fn(conn, *args, **kwargs)

        return await anyio.to_thread.run_sync(work)

    async def tell(self, channel: str | None, user: SlackUser, text: str) -> None:
        """An ephemeral message to one person, through the outbox."""
        if not channel or not user.id:
            return
        now = self.now()
        await self.db(
            lambda conn: outbox.enqueue_ephemeral(
                conn, channel=channel, user=user.id, text=text, now=now
            )
        )
        self.sender.wake()

    def link(self, case: Case) -> str:
        return f"<{self.links.url(case.key, now=self.now())}|View {case.key}>"

    async def user_name(self, user_id: str) -> str:
        """The Slack user's name (users.info, remembered); the id if Slack will not say."""
        return (await self._profile(user_id))[0]

    async def person(self, user_id: str, name: str = "") -> SlackUser:
        """The Slack user who acted, with their e-mail address when Slack tells it."""
        profile_name, email = await self._profile(user_id)
        return SlackUser(user_id, name or profile_name, email)

    async def _profile(self, user_id: str) -> tuple[str, str | None]:
        """(name, e-mail) from users.info, remembered; the id and None if Slack will not say."""
        if user_id in self._profiles:
            return self._profiles[user_id]
        name, email = user_id, None
        try:
            answer = await self.client.users_info(user=user_id)
            user = answer.get("user") or {}
            profile = user.get("profile") or {}
            name = str(user.get("real_name") or user.get("name") or user_id)
            email = str(profile.get("email") or "").strip().lower() or None
        except (SlackApiError, OSError, TimeoutError) as error:
            log.info("users.info %s failed: %s", user_id, error)
        self._profiles[user_id] = (name, email)
        return name, email

    async def time_zone(self, user_id: str) -> str:
        """The person's time zone as Slack knows it (users.info `tz`, remembered); UTC if
        Slack will not say."""
        if user_id in self._zones:
            return self._zones[user_id]
        zone = "UTC"
        try:
            answer = await self.client.users_info(user=user_id)
            zone = str((answer.get("user") or {}).get("tz") or "UTC")
        except (SlackApiError, OSError, TimeoutError) as error:
            log.info("users.info %s failed: %s", user_id, error)
        self._zones[user_id] = zone
        return zone

    # -- internals --------------------------------------------------------------------------

    def _authorizer(self) -> Callable[..., Any]:
        # One workspace and one bot token: no auth.test per request. (A plain function:
        # Bolt passes arguments by parameter name.)
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id or self._bot["team_id"],
                bot_token=self.settings.bot_token,
                bot_user_id=self._bot["user_id"],
                bot_id=self._bot["bot_id"],
            )

        return authorize

    async def _connect(self) -> None:
        """Open the Socket Mode connection; Slack being unreachable must not stop the server."""
        delay = 1.0
        while True:
            try:
                await self._socket.connect_async()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # retried with backoff
                log.warning("Socket Mode connection failed (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def _identify(self) -> None:
        """Learn the bot's own ids once (so Bolt ignores the bot's own events)."""
        try:
            answer = await self.client.auth_test()
        except Exception as error:
            log.warning("auth.test failed (Slack unreachable or token wrong?): %s", error)
            return
        self._bot = {
            "user_id": answer.get("user_id"),
            "bot_id": answer.get("bot_id"),
            "team_id": answer.get("team_id"),
        }
