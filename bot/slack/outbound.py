"""What casebot says in Slack: the Web API client, the channel directory, the outbox
sender, and the two case listeners that queue messages in the outbox.

`SlackOutbound` is built before the app's listener lists, which take its
`case_listeners` (the alert messages' notifier, the issue messages' announcer)
and `notification_listeners` (the notifier); the Bolt app that hears Slack is
`SlackRuntime` (bot/slack/runtime.py), built after them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine

from bot.pipeline.reports import NotificationListener
from bot.services.cases import CaseListener
from bot.slack.case_links import CaseLinks
from bot.slack.channels import ChannelDirectory
from bot.slack.issue_messages import IssueAnnouncer
from bot.slack.notifier import SlackNotifier
from bot.slack.sender import OutboxSender, SenderTiming
from bot.slack.settings import SlackSettings


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SlackOutbound:
    def __init__(
        self,
        settings: SlackSettings,
        engine: Engine,
        links: CaseLinks,
        *,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.client = AsyncWebClient(
            token=settings.bot_token,
            base_url=settings.api_url,
            timeout=max(1, int(settings.timeout)),
        )
        self.channels = ChannelDirectory(engine, self.client, now=now)
        self.sender = OutboxSender(
            engine,
            self.client,
            self.channels,
            timing=SenderTiming(pace=settings.pace, poll=0.25),
            now=now,
        )
        self.notifier = SlackNotifier(
            links=links, workspace=settings.workspace, wake=self.sender.wake
        )
        self.issues = IssueAnnouncer(self.notifier)

    @property
    def case_listeners(self) -> tuple[CaseListener, ...]:
        """Slack's case listeners: the notifier (alert messages and their threads) and the
        issue announcer (issue messages; the error-tracking intake tells it too)."""
        return (self.notifier, self.issues)

    @property
    def notification_listeners(self) -> tuple[NotificationListener, ...]:
        """Told of each applied notification: the notifier posts and updates alert messages."""
        return (self.notifier,)
