"""Which rules could match a document, found without evaluating them.

Each rule is filed under its guard (`bot.core.rule_guard`): requirements of
which any matching document meets at least one. EXACT requirements are looked
up by value, PREFIX and SUFFIX ones by each affix length in use, CONTAINS ones
by one GRAM-character piece of their literal: the piece the fewest rules'
literals share (a document containing the literal contains each of its
pieces). A document's candidates are the rules filed under its values, their
affixes and every GRAM-character piece of its values and text fields, plus
the rules with no guard, which are always evaluated.

Looking up pieces costs one dictionary lookup per character of the values of
keys (and of the text, if any rule needs a free-text piece) that CONTAINS
rules name: a long error message makes it grow; rule sets without such rules
never pay it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from bot.core.query import Document, Node
from bot.core.rule_guard import (
    CONTAINS,
    EXACT,
    GRAM,
    PREFIX,
    SUFFIX,
    Guard,
    Requirement,
    grams,
    guard,
    requirements,
)

__all__ = ["GRAM", "Guard", "Requirement", "RuleIndex", "guard"]

Ids = tuple[int, ...]


def _entries(requirement: Requirement) -> Iterator[Requirement]:
    """What a requirement can be filed under: itself, or one of its literal's pieces."""
    key, kind, text = requirement
    if kind == CONTAINS:
        for gram in grams(text):
            yield (key, CONTAINS, gram)
    else:
        yield requirement


class RuleIndex:
    """Rule positions filed under their guards; `candidates` lists those worth evaluating."""

    __slots__ = ("_contains", "_exact", "_prefix", "_suffix", "_text", "_unguarded")

    def __init__(self, nodes: Sequence[Node]) -> None:
        shared = Counter(
            entry
            for node in nodes
            for entry in {e for r in requirements(node) for e in _entries(r)}
        )
        entry_of: dict[Requirement, Requirement] = {}

        def filed_under(requirement: Requirement) -> Requirement:
            entry = entry_of.get(requirement)
            if entry is None:
                entry = min(_entries(requirement), key=shared.__getitem__)
                entry_of[requirement] = entry
            return entry

        def cost(candidate: Guard) -> int:
            return sum(shared[filed_under(r)] for r in candidate)

        tables: dict[str, dict[str, dict[str, list[int]]]] = {
            EXACT: {},
            PREFIX: {},
            SUFFIX: {},
            CONTAINS: {},
        }
        text_table: dict[str, list[int]] = {}
        unguarded: list[int] = []
        for i, node in enumerate(nodes):
            chosen = guard(node, cost)
            if chosen is None:
                unguarded.append(i)
                continue
            for key, kind, text in map(filed_under, chosen):
                by_text = text_table if key is None else tables[kind].setdefault(key, {})
                ids = by_text.setdefault(text, [])
                if not ids or ids[-1] != i:  # two requirements may share a piece
                    ids.append(i)
        self._exact = _frozen(tables[EXACT])
        self._prefix = _by_length(tables[PREFIX])
        self._suffix = _by_length(tables[SUFFIX])
        self._contains = _frozen(tables[CONTAINS])
        self._text = {gram: tuple(ids) for gram, ids in text_table.items()}
        self._unguarded = tuple(unguarded)

    def candidates(self, document: Document) -> Sequence[int]:
        """Ascending positions of the rules that could match `document`."""
        hits: list[Ids] = []
        folded = document.folded
        for key, by_value in self._exact.items():
            values = folded.get(key)
            if values:
                for value in values:
                    ids = by_value.get(value)
                    if ids:
                        hits.append(ids)
        for key, (lengths, by_prefix) in self._prefix.items():
            values = folded.get(key)
            if values:
                for value in values:
                    for length in lengths:
                        if length > len(value):
                            break
                        ids = by_prefix.get(value[:length])
                        if ids:
                            hits.append(ids)
        for key, (lengths, by_suffix) in self._suffix.items():
            values = folded.get(key)
            if values:
                for value in values:
                    for length in lengths:
                        if length > len(value):
                            break
                        ids = by_suffix.get(value[len(value) - length :])
                        if ids:
                            hits.append(ids)
        for key, by_gram in self._contains.items():
            values = folded.get(key)
            if values:
                for value in values:
                    hits.extend(_filed(by_gram, value))
        if self._text:
            for text in document.folded_text:
                hits.extend(_filed(self._text, text))
        if not hits:
            return self._unguarded
        if len(hits) == 1 and not self._unguarded:
            return hits[0]
        merged = set(self._unguarded)
        for ids in hits:
            merged.update(ids)
        return sorted(merged)


def _filed(by_gram: dict[str, Ids], text: str) -> list[Ids]:
    """The positions filed under each GRAM-character piece of `text`."""
    get = by_gram.get
    return [ids for i in range(len(text) - GRAM + 1) if (ids := get(text[i : i + GRAM]))]


def _frozen(table: dict[str, dict[str, list[int]]]) -> dict[str, dict[str, Ids]]:
    return {key: {text: tuple(ids) for text, ids in texts.items()} for key, texts in table.items()}


def _by_length(
    table: dict[str, dict[str, list[int]]],
) -> dict[str, tuple[tuple[int, ...], dict[str, Ids]]]:
    """Per key: the affix lengths in use, ascending, and the positions filed per affix."""
    return {
        key: (
            tuple(sorted({len(affix) for affix in by_affix})),
            {affix: tuple(ids) for affix, ids in by_affix.items()},
        )
        for key, by_affix in table.items()
    }
