"""What the console's forms share: reading fields, and refusals as sentences."""

from __future__ import annotations

from typing import Any


def sentence(text: str) -> str:
    """`key 'x' is taken` -> `Key 'x' is taken.`: a refusal as shown next to its field."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


def text_field(form: Any, name: str, limit: int = 2000) -> str:
    """A form field as text (absent: empty), cut at `limit` characters."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def checked(form: Any, name: str) -> bool:
    """Whether a checkbox was ticked: browsers send only the ticked ones."""
    return form.get(name) is not None
