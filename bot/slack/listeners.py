"""The Bolt listeners: thin. Each acks first, then hands the work to a thread.

Action, callback and command ids are the constants below, next to their handlers.
Every change goes through `bot.slack.case_desk` in one transaction with its
outbox rows; only `views.open` (tied to a 3-second trigger_id) is called directly.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cases import validate_title
from bot.services.errors import CaseServiceError, InvalidChange
from bot.slack import case_desk, issue_buttons, mute_menu, thread_replies
from bot.slack.after_ack import BUTTON, COMMAND_KIND, MESSAGE, MODAL, after_ack
from bot.slack.blocks import case_list_message, case_modal, close_modal, preview_modal
from bot.slack.case_desk import CaseRequest, NeedsReason, SlackUser
from bot.slack.views import (
    CaseModalView,
    CloseModalView,
    PreviewModalView,
    PreviewRow,
    ProjectOption,
)

if TYPE_CHECKING:
    from bot.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)

CREATE_CASE = "create_case"
VIEW_CASE = "view_case"
ASSIGN_TO_ME = "assign_to_me"
IN_PROGRESS = "case_in_progress"
CLOSE_CASE = "close_case"
WATCH_CASE = "watch_case"
CASE_ACTIONS = (ASSIGN_TO_ME, IN_PROGRESS, CLOSE_CASE, WATCH_CASE)
CREATE_MODAL = "create_case_modal"
CLOSE_MODAL = "close_case_modal"
PREVIEW_MODAL = "preview_modal"
COMMAND = "/case"
USAGE = "Usage: `/case new <title>` · `/case list` · `/case preview`"
NO_PROJECTS = (
    "No projects yet: add one with `casebot project add --name Operations --key OPS --handle ops`."
)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    """Attach every listener to `app`."""
    handlers = Listeners(runtime)
    app.action(CREATE_CASE)(handlers.on_create_case)
    app.action(VIEW_CASE)(handlers.on_view_case)
    for action_id in CASE_ACTIONS:
        app.action(action_id)(handlers.on_case_button)
    app.view(CREATE_MODAL)(handlers.on_create_submitted)
    app.view(CLOSE_MODAL)(handlers.on_close_submitted)
    app.view(PREVIEW_MODAL)(handlers.on_preview)
    app.command(COMMAND)(handlers.on_command)
    app.event("message")(handlers.on_message)
    issue_buttons.register(app, runtime)  # an error-tracking issue's Create Case
    mute_menu.register(app, runtime)  # an alert message's Mute menu


class Listeners:
    """Bolt passes arguments by parameter name; each handler acks first."""

    def __init__(self, runtime: SlackRuntime) -> None:
        self.runtime = runtime

    # -- buttons ------------------------------------------------------------------------

    async def on_create_case(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        await after_ack(self.runtime, BUTTON, self._create_case_clicked(body, client))

    async def on_view_case(self, ack: AsyncAck) -> None:
        await ack()  # a link button: Slack opens the URL, but still tells us of the click
        self.runtime.handled(BUTTON, "done")

    async def on_case_button(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        await after_ack(self.runtime, BUTTON, self._case_button_clicked(body, client))

    async def _create_case_clicked(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        runtime = self.runtime
        user, channel, ts = await self._who(body), _channel(body), _message_ts(body)
        group_ref = str(body["actions"][0].get("value", ""))
        context = await runtime.db(
            case_desk.create_context,
            channel_id=channel,
            message_ts=ts,
            group_ref=group_ref,
            now=runtime.now(),
        )
        if context.existing is not None:
            text = f"This alert already has case *{context.existing.key}*."
            await runtime.tell(channel, user, text)
            return
        if not context.projects:
            await runtime.tell(channel, user, NO_PROJECTS)
            return
        metadata = {"c": channel, "ts": ts, "g": group_ref}
        await _open(client, body, case_modal(_modal_view(context, metadata)))

    async def _case_button_clicked(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        action = body["actions"][0]
        case_id = str(action.get("value", ""))
        channel = _channel(body)
        needs = await self._act(str(action["action_id"]), case_id, await self._who(body), channel)
        if needs is not None:
            meta = json.dumps({"case": case_id, "c": channel})
            await _open(client, body, close_modal(CloseModalView(needs, meta)))

    async def _act(
        self,
        action_id: str,
        case_id: str,
        user: SlackUser,
        channel: str | None,
        reason: str | None = None,
    ) -> str | None:
        """Carry out a case button; returns the case key when a closing reason is needed."""
        runtime = self.runtime
        try:
            done = await runtime.db(
                case_desk.act,
                case_id=case_id,
                action=action_id,
                user=user,
                notifier=runtime.notifier,
                now=runtime.now(),
                closing_reason=reason,
                listeners=runtime.case_listeners,
            )
        except NeedsReason as needs:
            return needs.case.key
        except (CaseServiceError, InvalidChange) as error:
            await runtime.tell(channel, user, f"Nothing changed: {error}")
            return None
        if not done.created:
            await runtime.tell(channel, user, done.text)
        return None

    # -- modals -------------------------------------------------------------------------

    async def on_create_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        values = view["state"]["values"]
        title = (_input(values, "case_title", "title_input") or "").strip()
        project = _selected(values, "case_project", "project_select")
        errors: dict[str, str] = {}
        checked = validate_title(title)
        if not isinstance(checked, str):
            errors["case_title"] = checked.message
        if not project:
            errors["case_project"] = "Choose a project."
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        await after_ack(
            self.runtime, MODAL, self._create_submitted(body, view, title, str(project))
        )

    async def _create_submitted(
        self, body: dict[str, Any], view: dict[str, Any], title: str, project: str
    ) -> None:
        runtime = self.runtime
        values = view["state"]["values"]
        meta = json.loads(view.get("private_metadata") or "{}")
        group, _, cycle = str(meta.get("g", "")).partition(":")
        request = CaseRequest(
            title=title,
            description=_input(values, "case_description", "description_input") or "",
            project=project,
            type=_selected(values, "case_type", "type_select") or "STANDARD",
            priority=_selected(values, "case_priority", "priority_select") or "NOT_DEFINED",
            channel_id=meta.get("c"),
            message_ts=meta.get("ts"),
            group_id=int(group) if group.isdigit() else None,
            cycle=int(cycle) if cycle.isdigit() else None,
        )
        user = await self._who(body)
        try:
            done = await runtime.db(
                case_desk.create_case,
                request,
                user,
                runtime.notifier,
                now=runtime.now(),
                listeners=runtime.case_listeners,
            )
        except CaseServiceError as error:
            await runtime.tell(meta.get("c"), user, f"The case was not created: {error}")
            return
        if not done.created or request.group_id is None:
            # Someone was faster (or this came from /case new): say which case it is.
            await runtime.tell(meta.get("c"), user, f"{done.text} {runtime.link(done.case)}")

    async def on_close_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        reason = _selected(view["state"]["values"], "close_reason", "reason_select")
        if not reason:
            await ack(response_action="errors", errors={"close_reason": "Choose a reason."})
            return
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        await after_ack(self.runtime, MODAL, self._close(meta, await self._who(body), reason))

    async def _close(self, meta: dict[str, Any], user: SlackUser, reason: str) -> None:
        await self._act(CLOSE_CASE, str(meta["case"]), user, meta.get("c"), reason)

    async def on_preview(self, ack: AsyncAck, view: dict[str, Any]) -> None:
        text = _input(view["state"]["values"], "preview_message", "message_input") or ""
        await ack(response_action="update", view=preview_modal(preview_of(text)))

    # -- /case --------------------------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient
    ) -> None:
        verb, _, rest = str(command.get("text", "")).strip().partition(" ")
        verb = verb.lower()
        if verb == "list":
            # Answered in the ack itself (ephemeral): one quick read, no Web API call.
            listing = await self.runtime.db(
                case_desk.open_case_list,
                command["user_id"],
                self.runtime.links,
                now=self.runtime.now(),
            )
            message = case_list_message(listing)
            await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
        elif verb == "new":
            await ack()
            await after_ack(
                self.runtime, COMMAND_KIND, self._new_case(command, rest.strip(), client)
            )
        elif verb == "preview":
            await ack()
            await after_ack(
                self.runtime,
                COMMAND_KIND,
                _open(client, command, preview_modal(PreviewModalView())),
            )
        else:
            await ack(text=USAGE, response_type="ephemeral")

    async def _new_case(self, command: dict[str, Any], title: str, client: AsyncWebClient) -> None:
        projects, default = await self.runtime.db(case_desk.projects_and_default, title)
        if not projects:
            user = SlackUser(command["user_id"], "")
            await self.runtime.tell(command["channel_id"], user, NO_PROJECTS)
            return
        context = case_desk.CreateContext(projects, default, title, "", "", None)
        metadata = {"c": command.get("channel_id")}
        await _open(client, command, case_modal(_modal_view(context, metadata)))

    async def _who(self, body: dict[str, Any]) -> SlackUser:
        """Who acted, with their e-mail address (users.info, remembered)."""
        user = SlackUser.of(body)
        return await self.runtime.person(user.id, user.name) if user.id else user

    # -- thread replies -----------------------------------------------------------------

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        # Events are acked by Bolt before this runs. Only human replies in a thread count.
        thread_ts, ts = event.get("thread_ts"), event.get("ts")
        human_reply = bool(thread_ts) and thread_ts != ts and not event.get("bot_id")
        if not human_reply or event.get("subtype") not in (None, "thread_broadcast"):
            self.runtime.handled(MESSAGE, "ignored")
            return
        if not event.get("user"):
            self.runtime.handled(MESSAGE, "ignored")
            return
        await after_ack(self.runtime, MESSAGE, self._mirror(event, body))

    async def _mirror(self, event: dict[str, Any], body: dict[str, Any]) -> str | None:
        """The case key or issue id the reply went to; None when it went nowhere."""
        runtime = self.runtime
        user = await runtime.person(event["user"])
        reached: str | None = await runtime.db(
            thread_replies.mirror_reply,
            event_id=str(body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"),
            channel_id=str(event.get("channel")),
            thread_ts=str(event.get("thread_ts")),
            user=user,
            text=str(event.get("text", "")),
            now=runtime.now(),
            listeners=runtime.case_listeners,
        )
        return reached


def preview_of(text: str) -> PreviewModalView:
    """Which handles fire on each transition of `text` (handles.preview)."""
    from handles.errors import TemplateError
    from handles.preview import preview, sample_event

    try:
        rows = preview(text, sample_event(text))
    except TemplateError as error:
        return PreviewModalView(message=text, error=str(error))
    return PreviewModalView(
        message=text,
        rows=tuple(
            PreviewRow(row.name, tuple(m.raw for m in row.mentions), row.text) for row in rows
        ),
    )


def _modal_view(context: case_desk.CreateContext, metadata: dict[str, Any]) -> CaseModalView:
    return CaseModalView(
        title=context.title,
        description=context.description,
        projects=tuple(ProjectOption(p.handle, f"{p.name} ({p.key})") for p in context.projects),
        selected_project=context.default_project,
        private_metadata=json.dumps(metadata, separators=(",", ":")),
        context=context.context,
    )


async def _open(client: AsyncWebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as error:
        # An expired trigger (> 3 s) or a refused view: log it; the click is already acked.
        log.warning("views.open failed: %s", error.response.get("error"))


def _channel(body: dict[str, Any]) -> str:
    return str(
        (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
    )


def _message_ts(body: dict[str, Any]) -> str:
    return str(
        (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
    )


def _input(values: dict[str, Any], block: str, action: str) -> str | None:
    value = values.get(block, {}).get(action, {}).get("value")
    return None if value is None else str(value)


def _selected(values: dict[str, Any], block: str, action: str) -> str | None:
    option = values.get(block, {}).get(action, {}).get("selected_option") or {}
    value = option.get("value")
    return None if value is None else str(value)


__all__ = ["register"]
