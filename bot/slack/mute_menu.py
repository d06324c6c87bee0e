"""The Mute menu of an alert message: thin listeners, acks first.

Its options are `<choice>|<group id>:<cycle>`: 1 hour, 4 hours, until tomorrow 09:00
in the person's time zone (Slack's `tz` for them), or Custom…, which opens a modal
with a date and time picker. The group's downtime (bot/services/group_mutes.py) is
scheduled in one transaction with a thread reply saying so under the message.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Connection

from bot.core.group_mutes import MuteChoice, mute_end
from bot.services import outbox
from bot.services.downtimes import downtimes_changed
from bot.services.errors import CaseServiceError
from bot.services.group_mutes import mute_group
from bot.slack.after_ack import BUTTON, MODAL, after_ack
from bot.slack.blocks import mute_modal
from bot.slack.case_desk import SlackUser, actor
from bot.slack.views import MuteModalView

if TYPE_CHECKING:
    from bot.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)

MUTE = "mute_group"
MUTE_MODAL = "mute_custom_modal"


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    handler = MuteMenu(runtime)
    app.action(MUTE)(handler.on_mute)
    app.view(MUTE_MODAL)(handler.on_custom)


class MuteMenu:
    def __init__(self, runtime: SlackRuntime) -> None:
        self.runtime = runtime

    async def on_mute(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await after_ack(self.runtime, BUTTON, self._chosen(body, client))

    async def on_custom(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        picked = (values.get("mute_until", {}).get("until_input", {}) or {}).get(
            "selected_date_time"
        )
        now = self.runtime.now()
        if not picked or datetime.fromtimestamp(int(picked), UTC) <= now:
            await ack(response_action="errors", errors={"mute_until": "Pick a time to come."})
            return
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        until = datetime.fromtimestamp(int(picked), UTC)
        user = SlackUser.of(body)
        await after_ack(self.runtime, MODAL, self._mute(meta, user, until))

    async def _chosen(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        runtime = self.runtime
        action = body["actions"][0]
        value = str((action.get("selected_option") or {}).get("value", ""))
        choice_text, _, group_ref = value.partition("|")
        user = SlackUser.of(body)
        container = body.get("container") or {}
        meta = {
            "c": str(container.get("channel_id") or (body.get("channel") or {}).get("id")),
            "ts": str(container.get("message_ts") or (body.get("message") or {}).get("ts")),
            "g": group_ref,
        }
        try:
            choice = MuteChoice(choice_text)
        except ValueError:
            log.warning("unknown mute choice %r", choice_text)
            return
        now = runtime.now()
        if choice is MuteChoice.CUSTOM:
            title = _title(body)
            view = MuteModalView(
                title, json.dumps(meta), int((now + timedelta(hours=2)).timestamp())
            )
            try:
                await client.views_open(trigger_id=body["trigger_id"], view=mute_modal(view))
            except SlackApiError as error:
                log.warning("views.open failed: %s", error.response.get("error"))
            return
        zone = _zone(await runtime.time_zone(user.id))
        until = mute_end(choice, now=now, zone=zone)
        assert until is not None
        await self._mute(meta, user, until, zone=zone)

    async def _mute(
        self,
        meta: dict[str, str],
        user: SlackUser,
        until: datetime,
        *,
        zone: ZoneInfo | None = None,
    ) -> None:
        runtime = self.runtime
        person = await runtime.person(user.id, user.name) if user.id else user
        zone = zone or _zone(await runtime.time_zone(user.id))
        try:
            await runtime.db(
                mute,
                channel_id=meta.get("c", ""),
                message_ts=meta.get("ts", ""),
                group_ref=meta.get("g", ""),
                until=until,
                zone=zone,
                user=person,
                now=runtime.now(),
            )
        except CaseServiceError as error:
            await runtime.tell(meta.get("c"), person, f"Nothing was muted: {error}")
            return
        downtimes_changed()
        runtime.sender.wake()


def mute(
    conn: Connection,
    *,
    channel_id: str,
    message_ts: str,
    group_ref: str,
    until: datetime,
    zone: ZoneInfo,
    user: SlackUser,
    now: datetime,
) -> str:
    """Schedule the group's downtime and say so in the alert's thread; the downtime's id."""
    group, _, cycle = group_ref.partition(":")
    if not group.isdigit() or not cycle.isdigit():
        raise CaseServiceError(f"this message names no monitor group ({group_ref!r})")
    who = actor(conn, user, now=now)
    done = mute_group(
        conn,
        group_id=int(group),
        until=until,
        now=now,
        by=user.name or user.id,
        user_id=who.user_id,
    )
    live = outbox.find_message(conn, channel_id=channel_id, ts=message_ts)
    if live is None:
        live = next(iter(outbox.messages_of_cycle(conn, int(group), int(cycle))), None)
    if live is not None:
        local = until.astimezone(zone)
        text = (
            f":mute: {user.mention} muted this alert until {local:%a %Y-%m-%d %H:%M} {zone.key}: "
            f"no case opens and nothing is posted for it until then "
            f"(downtime `{done.downtime.id}`)"
        )
        outbox.enqueue_reply(conn, live, text, now=now)
    return str(done.downtime.id)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _title(body: dict[str, Any]) -> str:
    blocks = (body.get("message") or {}).get("blocks") or []
    header = next((b for b in blocks if b.get("type") == "header"), None)
    return str(((header or {}).get("text") or {}).get("text", "this alert"))
