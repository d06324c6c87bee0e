"""Slack's side of every change: live alert messages and thread notices, via the outbox.

`SlackNotifier` listens in two places, both inside the transaction of the change:
- the pipeline tells it of each applied notification (`on_notification`): the
  first one of a cycle that mentions `@slack-<channel>` posts a live message
  there; later ones update every live message of the cycle, plus one short
  thread reply per state change unless the channel is quiet;
- the case service tells it of each case change (`on_case_event`): messages
  linked to the case are re-rendered (badge, buttons), and status, assignee and
  auto-close changes get a thread reply.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.core.cases import ActorSource, Case, CaseEvent, CreationSource, TimelineKind
from bot.pipeline.reports import Notification
from bot.services import channels, outbox
from bot.services.cycles import CycleReader
from bot.services.outbox import LiveMessage
from bot.services.projects import ProjectReader
from bot.services.users import UserReader
from bot.slack.blocks import alert_message, close_prompt, notice
from bot.slack.case_links import CaseLinks
from bot.slack.channels import CHANNEL_NAME_MAX, channel_ref
from bot.slack.views import AlertView, CaseSummary, ClosePromptView
from handles.types import State

BADGES = {
    "Alert": ":red_circle:",
    "Warn": ":large_yellow_circle:",
    "No Data": ":white_circle:",
    "Unknown": ":white_circle:",
    "OK": ":large_green_circle:",
}
MANUAL = CreationSource.MANUAL.value
# Replies even a quiet channel gets: what casebot did (or asks) on its own.
ALWAYS_REPLIED = (TimelineKind.AUTO_CLOSE, TimelineKind.NOTE, TimelineKind.CLOSE_PROMPT)
STATUS_LABELS = {"OPEN": "Open", "IN_PROGRESS": "In progress", "CLOSED": "Closed"}


class SlackNotifier:
    def __init__(
        self,
        *,
        links: CaseLinks,
        workspace: str | None = None,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.links = links
        self.workspace = workspace
        self.wake = wake

    # -- the pipeline's notifications ---------------------------------------------------

    def on_notification(self, conn: Connection, note: Notification) -> None:
        existing = outbox.messages_of_cycle(conn, note.group_id, note.cycle)
        wanted = [
            ref
            for m in note.rendered.mentions
            if m.kind == "slack"
            and len(ref := channel_ref(m.name, workspace=self.workspace)) <= CHANNEL_NAME_MAX
        ]
        if not existing and not wanted:
            return
        now = note.now
        alert = alert_facts(note)
        case = CycleReader(conn).case_of(note.group_id, note.cycle)
        summary = case_summary(conn, case, self.links, now=now) if case else None
        case_id = case.id if case else None
        view = alert_view(alert, note.group_id, note.cycle, summary)
        message = alert_message(view)
        is_change = not note.transition.renotify and note.transition.previous is not None
        known = {m.channel_ref for m in existing}
        for live in existing:
            changed = outbox.change_message(
                conn, live.id, message, now=now, case_id=case_id, alert=alert
            )
            if is_change and not channels.is_quiet(conn, live.channel_ref, live.channel_id or ""):
                reply = notice(
                    "transition",
                    badge=BADGES.get(alert["state"], ""),
                    state=alert["state"],
                    value=alert.get("value"),
                )
                outbox.enqueue_reply(conn, changed, reply, now=now)
        for ref in dict.fromkeys(wanted):
            if ref not in known:
                outbox.put_live_message(
                    conn,
                    group_id=note.group_id,
                    cycle=note.cycle,
                    channel_ref=ref,
                    message=message,
                    alert=alert,
                    now=now,
                    case_id=case_id,
                )
        self.wake()

    # -- the case service's changes -----------------------------------------------------

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        if event.kind == TimelineKind.CREATED and event.case.creation_source == MANUAL:
            self._announce(conn, event.case, now=event.occurred_at)
            return
        if event.kind in (TimelineKind.COMMENT, TimelineKind.MONITOR_TRANSITION):
            return  # nothing a message shows has changed
        linked = outbox.messages_of_case(conn, event.case.id)
        if not linked:
            return
        summary = case_summary(conn, event.case, self.links, now=event.occurred_at)
        reply = self._reply_for(conn, event)
        prompt = None
        if event.kind == TimelineKind.CLOSE_PROMPT:
            prompt = close_prompt(ClosePromptView(event.case.key, str(event.case.id)))
            reply = prompt.text
        for live in linked:
            self.refresh(conn, live, summary, now=event.occurred_at)
            if reply and (
                event.kind in ALWAYS_REPLIED
                or not channels.is_quiet(conn, live.channel_ref, live.channel_id or "")
            ):
                blocks = prompt.blocks if prompt is not None else None
                outbox.enqueue_reply(conn, live, reply, now=event.occurred_at, blocks=blocks)
        self.wake()

    def _announce(self, conn: Connection, case: Case, *, now: datetime) -> None:
        """A case opened by hand (the console's New Case) is posted to its project's
        channel, as an alert's case would be; later changes update that message."""
        project = ProjectReader(conn).find(case.project_id)
        if project is None or not project.slack_channel:
            return
        alert: dict[str, Any] = {
            "title": case.title, "state": "New case", "text": case.description,
            "source": "casebot", "monitor_name": "", "group": "*", "tags": [],
            "link": None, "value": None, "recovered": False,
        }  # fmt: skip
        summary = case_summary(conn, case, self.links, now=now)
        outbox.put_live_message(
            conn,
            group_id=None,
            cycle=None,
            channel_ref=channel_ref(project.slack_channel, workspace=self.workspace),
            message=alert_message(alert_view(alert, 0, 0, summary)),
            alert=alert,
            now=now,
            case_id=case.id,
        )
        self.wake()

    def refresh(
        self, conn: Connection, live: LiveMessage, summary: CaseSummary | None, *, now: datetime
    ) -> LiveMessage:
        """Re-render a live message with the case's current state."""
        view = alert_view(live.alert, live.group_id or 0, live.cycle or 0, summary)
        case_id = uuid.UUID(summary.id) if summary else None
        return outbox.change_message(conn, live.id, alert_message(view), now=now, case_id=case_id)

    def _reply_for(self, conn: Connection, event: CaseEvent) -> str | None:
        case = event.case
        if event.kind == TimelineKind.AUTO_CLOSE:
            # casebot's own closes (inactivity, a stale group) say why; a recovery is the default.
            reason = None
            if event.actor.source != ActorSource.MONITOR:
                reason = event.body.removeprefix("closed: ")
            return notice("auto_closed", case_key=case.key, reason=reason)
        if event.kind == TimelineKind.NOTE and event.actor.source == ActorSource.MONITOR:
            # The monitor's only note: the group resolved but a SECURITY case stays open
            # until someone gives its closing reason (bot.core.monitor, NoteOnCase).
            return notice("needs_reason", case_key=case.key)
        actor = actor_mention(conn, event.actor.user_id, event.actor.name)
        if event.kind == TimelineKind.STATUS:
            label = STATUS_LABELS.get(case.status.value, case.status.value)
            reason = f"closing reason: {case.closing_reason}" if case.closing_reason else None
            note = reason if case.status.value == "CLOSED" else None
            return notice("status", case_key=case.key, actor=actor, status_label=label, note=note)
        if event.kind == TimelineKind.ASSIGNEE and case.assignee_id is not None:
            assignee = actor_mention(conn, case.assignee_id, "")
            if event.actor.user_id == case.assignee_id:
                return notice("assigned", case_key=case.key, actor=actor, note=None)
            return notice("assigned", case_key=case.key, actor=assignee, note=f"by {actor}")
        return None


# -- building views ---------------------------------------------------------------------


def alert_facts(note: Notification) -> dict[str, Any]:
    """What the message shows of the alert, stored with it (JSON)."""
    event = note.event
    value = event.values.get("value")
    title = event.title or (
        f"{event.monitor_name} on {event.group}" if event.group != "*" else event.monitor_name
    )
    return {
        "title": title or event.monitor_id,
        "state": event.state.value,
        "text": note.rendered.text,
        "source": event.source.value,
        "monitor_name": event.monitor_name,
        "group": event.group,
        "tags": list(event.tags),
        "link": event.link,
        "value": None if value is None else str(value),
        "recovered": event.state is State.OK,
    }


def alert_view(
    alert: Mapping[str, Any], group_id: int, cycle: int, case: CaseSummary | None
) -> AlertView:
    return AlertView(
        title=str(alert.get("title", "")),
        state=str(alert.get("state", "Unknown")),
        text=str(alert.get("text", "")),
        source=str(alert.get("source", "")),
        group_id=group_id,
        cycle=cycle,
        monitor_name=str(alert.get("monitor_name", "")),
        group=str(alert.get("group", "*")),
        tags=tuple(alert.get("tags") or ()),
        link=alert.get("link"),
        value=alert.get("value"),
        case=case,
    )


def case_summary(conn: Connection, case: Case, links: CaseLinks, *, now: datetime) -> CaseSummary:
    assignee = actor_mention(conn, case.assignee_id, "") if case.assignee_id else None
    return CaseSummary(
        id=str(case.id),
        key=case.key,
        title=case.title,
        status=case.status.value,
        priority=case.priority.value,
        type=case.type,
        url=links.url(case.key, now=now),
        assignee=assignee,
    )


def actor_mention(conn: Connection, user_id: uuid.UUID | None, fallback: str) -> str:
    """`<@U…>` for a Slack user, else the user's (or the actor's) name."""
    if user_id is None:
        return fallback or "casebot"
    user = UserReader(conn).find(user_id)
    if user is None:
        return fallback or "someone"
    if user.slack_user_id:
        return f"<@{user.slack_user_id}>"
    return user.name
