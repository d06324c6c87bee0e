"""A monitor message with its diagnostics underlined where they point, for the workbench.

Each diagnostic names a line and a column; the underline runs over the tag it
points at (`{{#is_alrt}}`, `<<#is_alrt>>`) or else the word (`@case-stroage`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from handles.lint import Diagnostic

_TAG = re.compile(r"\{\{.*?\}\}|<<.*?>>")
_WORD = re.compile(r"[^\s,;:!?'\")\]}>*~`<{]+")
# A tag that does not close on its line is underlined for this many characters.
_OPEN_TAG_SPAN = 2


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    mark: int | None = None  # the diagnostic's number (1-based), or None
    severity: str = ""


@dataclass(frozen=True, slots=True)
class SourceLine:
    number: int
    segments: tuple[Segment, ...]


def _span(line: str, start: int) -> int:
    """How many characters from `start` (0-based) the underline covers."""
    rest = line[start:]
    if rest.startswith(("{{", "<<")):
        tag = _TAG.match(rest)
        return len(tag.group()) if tag else _OPEN_TAG_SPAN
    word = _WORD.match(rest)
    return len(word.group()) if word else 1


def annotate(text: str, diagnostics: Sequence[Diagnostic]) -> tuple[SourceLine, ...]:
    """The lines of `text`, cut into plain and underlined segments (the first diagnostic
    at a place wins; an overlapping one is listed but not underlined again)."""
    lines = text.split("\n")
    marks: dict[int, list[tuple[int, int, int, str]]] = {}
    for number, diagnostic in enumerate(diagnostics, start=1):
        index = diagnostic.line - 1
        if not 0 <= index < len(lines):
            continue
        line = lines[index]
        start = min(max(diagnostic.col - 1, 0), len(line))
        end = min(start + _span(line, start), len(line)) if line else 0
        marks.setdefault(index, []).append((start, max(end, start), number, diagnostic.severity))
    annotated = []
    for index, line in enumerate(lines):
        segments: list[Segment] = []
        at = 0
        for start, end, number, severity in sorted(marks.get(index, ())):
            if start < at:
                continue
            if start > at:
                segments.append(Segment(line[at:start]))
            # An empty span (a problem at the end of a line) still shows where it is.
            segments.append(Segment(line[start:end] or " ", number, severity))
            at = end
        if at < len(line) or not segments:
            segments.append(Segment(line[at:]))
        annotated.append(SourceLine(index + 1, tuple(segments)))
    return tuple(annotated)
