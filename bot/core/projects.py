"""Project rules: what a project's key, handle and name may be.

Pure, like bot/core/cases.py: validation returns an `Invalid` naming the field
and the problem; the project service turns it into an error.
"""

from __future__ import annotations

import re

from bot.core.cases import Invalid

_PROJECT_KEY = re.compile(r"[A-Z0-9]{1,10}")
_HANDLE = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
RESERVED_PROJECT_KEYS = frozenset({"CASE"})


def validate_project_key(text: str) -> str | Invalid:
    """1–10 characters of A-Z and 0-9, not `CASE`. Keys are never changed after creation."""
    if _PROJECT_KEY.fullmatch(text) is None:
        hint = f" (did you mean {text.upper()!r}?)" if _PROJECT_KEY.fullmatch(text.upper()) else ""
        return Invalid("key", f"key {text!r} must be 1-10 characters of A-Z and 0-9{hint}")
    if text in RESERVED_PROJECT_KEYS:
        return Invalid("key", f"key {text!r} is reserved")
    return text


def validate_project_handle(text: str) -> str | Invalid:
    """Lowercase letters, digits, `-` and `_`, at most 64, starting and ending alphanumeric."""
    if _HANDLE.fullmatch(text) is None:
        return Invalid(
            "handle",
            f"handle {text!r} must be lowercase letters, digits, '-' or '_' "
            "(at most 64, starting and ending with a letter or digit); "
            "it is used as @case-<handle>",
        )
    return text


def validate_project_name(text: str) -> str | Invalid:
    name = text.strip()
    if not name:
        return Invalid("name", "project name must not be empty")
    if len(name) > 200:
        return Invalid("name", "project name is longer than 200 characters")
    return name


def suggest_handle(name: str, *, fallback: str) -> str:
    """A handle derived from a project name ("Storage Team" -> "storage-team")."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return slug or fallback.lower()
