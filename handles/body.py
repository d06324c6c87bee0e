"""A flat body: text with slots, specialised for one transition kind, and the
handles its own text holds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handles.mentions import extract_mentions
from handles.scope import MentionPart, Scope
from handles.slots import Slot, escape, too_long
from handles.types import Mention
from handles.variables import fill_variables, variable_spec

_HEAD = re.compile(r"\S*")
_TAIL = re.compile(r"\S*\Z")


def _literal_part(value: str, *, at_start: bool, at_end: bool) -> tuple[int, MentionPart | None]:
    """How many `@` of `value` are in whole words, and those words' handles.

    A word touching an edge of `value` may continue in the neighbouring slot,
    unless that edge is the start or end of the whole text.
    """
    if "@workflow-" in value:
        return 0, None  # the workflow argument form may run past this literal
    start = 0 if at_start else _HEAD.match(value).end()  # type: ignore[union-attr]
    end = len(value) if at_end else _TAIL.search(value).start()  # type: ignore[union-attr]
    if start >= end:
        return 0, None
    inner = value[start:end]
    count = inner.count("@")
    return count, ((extract_mentions(inner), count) if count else None)


@dataclass(frozen=True, slots=True)
class Slotted:
    """One occurrence of a slot in a body, before the body is assembled."""

    key: object
    slot: Slot
    # Characters a slot's text adds to the output per occurrence (sections are
    # charged by their own body, so they weigh 0 here).
    weight: int


class Body:
    """Text with slots, specialised for one transition kind."""

    __slots__ = ("col", "line", "part", "skeleton", "slots", "static_len", "text", "variables")

    def __init__(self, items: list[str | Slotted], *, line: int, col: int, top: bool) -> None:
        self.line, self.col = line, col
        skeleton: list[str] = []
        slots: list[tuple[Slot, int, list[int]]] = []
        index_of: dict[object, int] = {}
        pending: list[str] = []
        literals: list[tuple[int, str]] = []
        for item in items:
            if isinstance(item, str):
                pending.append(item)
                continue
            if pending:
                literals.append((len(skeleton), "".join(pending)))
                skeleton.append(literals[-1][1])
                pending = []
            index = index_of.get(item.key)
            if index is None:
                index = index_of[item.key] = len(slots)
                slots.append((item.slot, 0, []))
            slot, weight, positions = slots[index]
            positions.append(len(skeleton))
            slots[index] = (slot, weight + item.weight, positions)
            skeleton.append("")
        if pending:
            literals.append((len(skeleton), "".join(pending)))
            skeleton.append(literals[-1][1])
        self.skeleton = skeleton
        keys = list(index_of)
        # Plain variables are filled by one inline loop; other slots are called.
        self.variables = tuple(
            variable_spec(key[0], escaped=not key[1], positions=tuple(where))
            for key, (_, _, where) in zip(keys, slots, strict=True)
            if isinstance(key, tuple)
        )
        # (slot, characters per character of its text, where its text goes)
        self.slots = tuple(
            (slot, weight, tuple(where))
            for key, (slot, weight, where) in zip(keys, slots, strict=True)
            if not isinstance(key, tuple)
        )
        self.static_len = sum(len(text) for _, text in literals)
        self.text = "".join(skeleton) if not slots else None
        self.part = self._mention_part(literals, len(skeleton), top)

    @staticmethod
    def _mention_part(literals: list[tuple[int, str]], size: int, top: bool) -> MentionPart | None:
        found: dict[tuple[str, str, tuple[tuple[str, str], ...]], Mention] = {}
        total = 0
        for position, text in literals:
            count, part = _literal_part(
                text, at_start=top and position == 0, at_end=top and position == size - 1
            )
            total += count
            for mention in part[0] if part else ():
                found.setdefault((mention.kind, mention.name, mention.args), mention)
        return (tuple(found.values()), total) if total else None

    def render(self, scope: Scope) -> str:
        if self.text is not None:
            scope.budget -= self.static_len
            if scope.budget < 0:
                raise too_long(self.line, self.col)
            return self.text
        buffer = self.skeleton.copy()
        total = self.static_len
        if self.variables:
            total += fill_variables(scope, self.variables, buffer, escape)
        if self.slots:
            for slot, weight, positions in self.slots:
                value = slot(scope)
                total += len(value) * weight
                for position in positions:
                    buffer[position] = value
        # Checked before joining, so a small template cannot allocate a huge text.
        scope.budget -= total
        if scope.budget < 0:
            raise too_long(self.line, self.col)
        return "".join(buffer)
