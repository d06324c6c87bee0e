"""The one Jinja2 environment casebot renders with: sandboxed, over `templates/`.

Every Slack message, modal and web page comes from a file under `templates/`,
rendered from a typed view object. Nothing else builds templates from strings.
Templates ending in `.html.j2` are autoescaped; JSON templates (`.json.j2`)
serialise every value with `tojson` instead (its unicode escapes decode
to the same string), and `mrkdwn` escapes text for Slack.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# Slack's mrkdwn needs `&`, `<` and `>` escaped; an entity already escaped is kept,
# so text that the notification language escaped once is not escaped twice.
_UNESCAPED_AMP = re.compile(r"&(?!(?:amp|lt|gt);)")


def mrkdwn_escape(text: str) -> str:
    """Escape text for Slack mrkdwn so that `<!channel>` or `<@U1>` in it cannot ping anyone."""
    return _UNESCAPED_AMP.sub("&amp;", str(text)).replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_link(url: str, label: str) -> str:
    """A Slack link `<url|label>`; `|` and `>` in the URL are percent-encoded."""
    safe_url = str(url).replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    safe_label = mrkdwn_escape(label).replace("|", "¦")
    return f"<{safe_url}|{safe_label}>"


def _autoescape(name: str | None) -> bool:
    return name is not None and ".html" in name


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["mrkdwn"] = mrkdwn_escape
    env.filters["mrkdwn_link"] = mrkdwn_link
    return env


def render_text(template: str, **context: Any) -> str:
    """Render `template` (a path under templates/) to text."""
    return environment().get_template(template).render(**context).strip()


def render_json(template: str, **context: Any) -> Any:
    """Render a `.json.j2` template and parse it; a template that yields bad JSON is a bug."""
    raw = environment().get_template(template).render(**context)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"template {template} produced invalid JSON: {exc}") from exc
