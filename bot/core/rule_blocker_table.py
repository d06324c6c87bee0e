"""Which unguarded rules a document rules out: blockers looked up, as a bitmask.

The rule index evaluates the rules it cannot file under a guard for every
document, except those with a blocker (`bot.core.rule_blockers`) that the
document meets. This table holds, per blocker, the bits (1 << position) of
the rules it blocks, and ORs together the bits of every blocker a document
meets: exact blockers are looked up by value, prefix and suffix ones by each
affix length in use for their key (as the index's PREFIX and SUFFIX tables
are), so the cost grows with the document's values and those lengths, not
with the number of rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.core.query import Document
from bot.core.rule_blockers import AS_WRITTEN, PREFIXES, SUFFIXES, Blocker

# Per table: the key, whether it reads the values as written (not case-folded),
# and the bits per text; affix tables also list their affix lengths, ascending.
_Exact = tuple[str, bool, dict[str, int]]
_Affix = tuple[str, bool, tuple[int, ...], dict[str, int]]


class BlockerTable:
    """Bits of the rules each blocker rules out; `blocked` ORs those a document meets."""

    __slots__ = ("_exact", "_prefix", "_suffix")

    def __init__(self, blocked: Iterable[tuple[int, Iterable[Blocker]]]) -> None:
        """`blocked`: each rule position with its blockers."""
        tables: dict[tuple[str, str], dict[str, int]] = {}
        for position, found in blocked:
            bit = 1 << position
            for key, kind, text in found:
                by_text = tables.setdefault((key, kind), {})
                by_text[text] = by_text.get(text, 0) | bit
        exact: list[_Exact] = []
        prefix: list[_Affix] = []
        suffix: list[_Affix] = []
        for (key, kind), by_text in tables.items():
            as_written = kind in AS_WRITTEN
            if kind in PREFIXES or kind in SUFFIXES:
                lengths = tuple(sorted({len(text) for text in by_text}))
                affixes = prefix if kind in PREFIXES else suffix
                affixes.append((key, as_written, lengths, by_text))
            else:
                exact.append((key, as_written, by_text))
        self._exact = tuple(exact)
        self._prefix = tuple(prefix)
        self._suffix = tuple(suffix)

    def __bool__(self) -> bool:
        return bool(self._exact or self._prefix or self._suffix)

    def blocked(self, document: Document) -> int:
        """The bits of the rules that some blocker `document` meets rules out."""
        mask = 0
        folded: Mapping[str, frozenset[str]] = document.folded
        fields: Mapping[str, tuple[str, ...]] = document.fields
        for key, as_written, by_text in self._exact:
            values = fields.get(key) if as_written else folded.get(key)
            if values:
                for value in values:
                    bits = by_text.get(value)
                    if bits:
                        mask |= bits
        for key, as_written, lengths, by_text in self._prefix:
            values = fields.get(key) if as_written else folded.get(key)
            if values:
                for value in values:
                    for length in lengths:
                        if length > len(value):
                            break
                        bits = by_text.get(value[:length])
                        if bits:
                            mask |= bits
        for key, as_written, lengths, by_text in self._suffix:
            values = fields.get(key) if as_written else folded.get(key)
            if values:
                for value in values:
                    for length in lengths:
                        if length > len(value):
                            break
                        bits = by_text.get(value[len(value) - length :])
                        if bits:
                            mask |= bits
        return mask
