"""`Invalid`: what the core's validation returns instead of raising.

Its own module so that any rules module can return it without importing
another (bot.core.cases re-exports it, where most callers find it).
"""

from __future__ import annotations

from bot.core.records import record


@record
class Invalid:
    """A refused value or change: which field, and why (a sentence for people)."""

    field: str
    message: str
