"""Per-render state, shared by the compiled pieces of one `Template.render` call."""

from __future__ import annotations

from collections.abc import Mapping

from handles.limits import MAX_OUTPUT_CHARS
from handles.types import Event, Mention

# A literal's handles known at compile time, and how many `@` its text holds.
MentionPart = tuple[tuple[Mention, ...], int]


class Scope:
    __slots__ = ("budget", "event", "priority", "tag_map", "warnings")

    def __init__(self, event: Event) -> None:
        self.event = event
        self.priority: str | None = None
        # Characters the render may still produce before it is stopped.
        self.budget = MAX_OUTPUT_CHARS
        self.warnings: list[str] | None = None
        self.tag_map: Mapping[str, str | tuple[str, ...]] | None = None

    def warn(self, message: str) -> None:
        if self.warnings is None:
            self.warnings = []
        self.warnings.append(message)
