"""What casebot says in Slack: the Web API client, the channel directory, the outbox
sender, and the two case listeners that queue messages in the outbox.

`SlackOutbound` is built before the app's listener lists, which take its
`case_listeners` (the alert messages' notifier, the issue messages' announcer)
and `notification_listeners` (the notifier); the Bolt app that hears Slack is
`SlackRuntime` (bot/slack/runtime.py), built after them.
"""

from __future__ import annotations

import hashlib
import os
import secrets
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


def claim_holder(replica: str) -> str:
    """Who claims outbox items: the replica's name, made unique to this process's life
    (a replica restarted under the same name must not count as the holder it was)."""
    return f"{replica[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def outbox_tag(secret: str) -> str:
    """The tag of this database's posts in Slack: derived from a server secret, so that
    every replica tags alike and another casebot posting in the channel tags otherwise."""
    return hashlib.sha256(b"slack-outbox\n" + secret.encode()).hexdigest()[:16]


class SlackOutbound:
    def __init__(
        self,
        settings: SlackSettings,
        engine: Engine,
        links: CaseLinks,
        *,
        replica: str = "casebot",
        counted: Callable[[str], None] = lambda outcome: None,
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
            timing=SenderTiming(pace=settings.pace, poll=0.25, lease=settings.lease),
            now=now,
            holder=claim_holder(replica),
            tag=outbox_tag(links.secret),
            counted=counted,
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
