"""A notification's text as Slack shows it, for the workbench: Slack's mrkdwn in HTML.

`*bold*`, `_italic_`, `~strike~`, `` `code` ``, ``` ```blocks``` ``` and
`<https://…|label>` links; everything else as written. The text is escaped
first and formatting only wraps escaped text in fixed tags, so no message can
put markup of its own in the page. Text past Slack's section limit is cut as the
alert message cuts it.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# bot/slack/blocks.py: MAX_SECTION_TEXT (a section's text), TRUNCATED.
SECTION_LIMIT = 3000
CUT_NOTE = "… (truncated)"

_BLOCK = re.compile(r"```(.+?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"&lt;((?:https?|mailto):[^|\s&]+(?:&amp;[^|\s&]+)*)\|([^&\n]+?)&gt;")
_BARE_LINK = re.compile(r"&lt;((?:https?|mailto):[^|\s]+?)&gt;")
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "del"),
)


def slack_html(text: str) -> Markup:
    """`text` (as a person reads it: no Slack escapes) formatted the way Slack shows it."""
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - len(CUT_NOTE)].rstrip() + CUT_NOTE
    html = str(escape(text))
    kept: list[str] = []

    def keep(markup: str) -> str:
        kept.append(markup)
        return f"\x00{len(kept) - 1}\x00"

    html = _BLOCK.sub(lambda m: keep(f"<pre>{m.group(1).strip(chr(10))}</pre>"), html)
    html = _CODE.sub(lambda m: keep(f"<code>{m.group(1)}</code>"), html)
    html = _LINK.sub(
        lambda m: keep(f'<a href="{m.group(1)}" rel="noopener noreferrer">{m.group(2)}</a>'), html
    )
    html = _BARE_LINK.sub(
        lambda m: keep(f'<a href="{m.group(1)}" rel="noopener noreferrer">{m.group(1)}</a>'), html
    )
    for pattern, tag in _STYLES:
        html = pattern.sub(rf"<{tag}>\1</{tag}>", html)
    html = re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], html)
    return Markup(html)
