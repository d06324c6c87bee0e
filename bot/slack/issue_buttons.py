"""The Create Case button of an error-tracking issue's message: thin, acks first.

The button's value is the issue id. The case is created in a worker thread by
`bot.slack.issue_messages.create_case`, which goes through the error-tracking
service exactly as `POST /api/v2/error-tracking/issues/{id}/case` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.services.errors import CaseServiceError
from bot.slack import issue_messages
from bot.slack.after_ack import BUTTON, after_ack
from bot.slack.case_desk import SlackUser
from bot.slack.issue_messages import IssueAnnouncer

if TYPE_CHECKING:
    from bot.slack.runtime import SlackRuntime

ISSUE_CREATE_CASE = "issue_create_case"


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    handler = IssueButtons(runtime, runtime.issues)
    app.action(ISSUE_CREATE_CASE)(handler.on_create_case)


class IssueButtons:
    def __init__(self, runtime: SlackRuntime, announcer: IssueAnnouncer) -> None:
        self.runtime = runtime
        self.announcer = announcer

    async def on_create_case(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await after_ack(self.runtime, BUTTON, self._create_case(body))

    async def _create_case(self, body: dict[str, Any]) -> None:
        runtime = self.runtime
        named = SlackUser.of(body)
        user = await runtime.person(named.id, named.name) if named.id else named
        container = body.get("container") or {}
        channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id"))
        ts = str(container.get("message_ts") or (body.get("message") or {}).get("ts"))
        try:
            done = await runtime.db(
                issue_messages.create_case,
                issue_id=str(body["actions"][0].get("value", "")),
                channel_id=channel,
                message_ts=ts,
                user=user,
                announcer=self.announcer,
                listeners=runtime.case_listeners,
                now=runtime.now(),
            )
        except CaseServiceError as error:
            await runtime.tell(channel, user, f"The case was not created: {error}")
            return
        if not done.created:
            await runtime.tell(channel, user, f"{done.text} {runtime.link(done.case)}")
