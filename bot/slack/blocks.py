"""Block Kit from the templates under templates/slack/, cut to Slack's limits.

Each builder takes a typed view object (bot/slack/views.py) and returns the
JSON Slack expects. Limits are enforced after rendering, so no template can
produce a message Slack refuses: text past a limit is cut and says so.
"""

from __future__ import annotations

from typing import Any

from bot.core.outbox import Message
from bot.slack.issue_view import IssueView
from bot.slack.views import (
    AlertView,
    CaseListView,
    CaseModalView,
    CloseModalView,
    ClosePromptView,
    MuteModalView,
    PreviewModalView,
)
from bot.templating import render_json, render_text

# Slack's documented limits (docs.slack.dev/reference/block-kit/blocks).
MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_OPTION_TEXT = 75
MAX_FALLBACK_TEXT = 3000  # Slack allows 40,000; a notification preview needs far less.
MAX_PRIVATE_METADATA = 3000
MAX_INITIAL_TITLE = 200
MAX_INITIAL_DESCRIPTION = 3000

TRUNCATED = "… _(truncated)_"
TRUNCATED_PLAIN = "…"


def cut(text: str, limit: int, note: str = TRUNCATED_PLAIN) -> str:
    """`text` if it fits in `limit` characters, else its start plus `note`."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(note))].rstrip() + note


def alert_message(view: AlertView) -> Message:
    return _message(render_json("slack/alert.json.j2", view=view))


def issue_message(view: IssueView) -> Message:
    return _message(render_json("slack/issue.json.j2", view=view))


def case_list_message(view: CaseListView) -> Message:
    return _message(render_json("slack/case_list.json.j2", view=view))


def case_modal(view: CaseModalView) -> dict[str, Any]:
    fitted = CaseModalView(
        title=cut(view.title, MAX_INITIAL_TITLE),
        description=cut(view.description, MAX_INITIAL_DESCRIPTION),
        projects=view.projects[:100],
        selected_project=view.selected_project,
        private_metadata=_metadata(view.private_metadata),
        context=view.context,
        case_type=view.case_type,
        priority=view.priority,
        types=view.types,
        priorities=view.priorities,
    )
    return _modal(render_json("slack/case_modal.json.j2", view=fitted))


def close_modal(view: CloseModalView) -> dict[str, Any]:
    _metadata(view.private_metadata)
    return _modal(render_json("slack/close_modal.json.j2", view=view))


def mute_modal(view: MuteModalView) -> dict[str, Any]:
    _metadata(view.private_metadata)
    return _modal(render_json("slack/mute_modal.json.j2", view=view))


def preview_modal(view: PreviewModalView) -> dict[str, Any]:
    return _modal(render_json("slack/preview_modal.json.j2", view=view))


def close_prompt(view: ClosePromptView) -> Message:
    return _message(render_json("slack/close_prompt.json.j2", view=view))


def notice(kind: str, **context: Any) -> str:
    """One short thread reply (templates/slack/thread_notice.txt.j2)."""
    text = render_text("slack/thread_notice.txt.j2", kind=kind, **context)
    if not text:
        raise ValueError(f"unknown thread notice kind {kind!r}")
    return cut(text, MAX_SECTION_TEXT)


def _metadata(value: str) -> str:
    if len(value) > MAX_PRIVATE_METADATA:
        # Losing metadata would lose which message a modal is about: refuse, never cut.
        raise ValueError(f"private_metadata is {len(value)} chars, Slack allows 3000")
    return value


def _message(rendered: dict[str, Any]) -> Message:
    blocks = [_fit_block(b) for b in rendered["blocks"]]
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        omitted = len(blocks) - (MAX_MESSAGE_BLOCKS - 1)
        # Keep the last block (the buttons) and say what was left out.
        blocks = [
            *blocks[: MAX_MESSAGE_BLOCKS - 2],
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"_{omitted} more blocks not shown_"}],
            },
            blocks[-1],
        ]
    text = cut(str(rendered["text"]), MAX_FALLBACK_TEXT)
    return Message(text=text, blocks=blocks)


def _modal(rendered: dict[str, Any]) -> dict[str, Any]:
    rendered["blocks"] = [_fit_block(b) for b in rendered["blocks"]][:MAX_MODAL_BLOCKS]
    return rendered


def _fit_block(block: dict[str, Any]) -> dict[str, Any]:
    kind = block.get("type")
    if kind == "header":
        _fit_text(block["text"], MAX_HEADER_TEXT)
    elif kind == "section":
        _fit_text(block["text"], MAX_SECTION_TEXT)
    elif kind == "context":
        for element in block.get("elements", []):
            if "text" in element:
                _fit_text(element, MAX_SECTION_TEXT)
    elif kind == "actions":
        for element in block.get("elements", []):
            if "text" in element:  # a button (a menu's options are fixed labels)
                _fit_text(element["text"], MAX_BUTTON_TEXT)
    elif kind == "input":
        element = block.get("element", {})
        for option in element.get("options", []):
            _fit_text(option["text"], MAX_OPTION_TEXT)
        if "initial_option" in element:
            _fit_text(element["initial_option"]["text"], MAX_OPTION_TEXT)
    return block


def _fit_text(obj: dict[str, Any], limit: int) -> None:
    note = TRUNCATED if obj.get("type") == "mrkdwn" else TRUNCATED_PLAIN
    obj["text"] = cut(str(obj["text"]), limit, note)
