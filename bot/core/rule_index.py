"""Which rules could match a document, found without evaluating them.

Each rule is filed under its guard (`bot.core.rule_guard`): requirements of
which any matching document meets at least one. EXACT requirements are looked
up by value, PREFIX and SUFFIX ones by each affix length in use, CONTAINS ones
by one GRAM-character piece of their literal: the piece the fewest rules'
literals share (a document containing the literal contains each of its
pieces). A document's candidates are the rules filed under its values, their
affixes and every GRAM-character piece of its values and text fields, plus
the rules with no guard (`-env:prod`), which are evaluated unless the
document meets one of their blockers (`bot.core.rule_blockers`: here an env
value that folds to `prod`; for `-@env:prod` the value `prod` as written, for
`-service:svc-*` a service starting with `svc-`), values that rule them out,
or a term in the same place that no value decides (`-env:pro?`) is true for
it, evaluated once for all the rules that share it
(`bot.core.rule_shared_terms`).

Looking up pieces costs one dictionary lookup per character of the values of
keys (and of the text, if any rule needs a free-text piece) that CONTAINS
rules name: a long error message makes it grow; rule sets without such rules
never pay it. Blockers cost one lookup per value of each key that an exact
blocker names, and per value and affix length of each key that a prefix or
suffix blocker names (`bot.core.rule_blocker_table`), and one evaluation
per shared undecided term tried; rules that have no guard and nothing that
rules them out (`-service:*-12-*`, `-env:pro?` with an env such as `dev`, or
a `-timeout` no other rule has) still cost one evaluation each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from operator import getitem

from bot.core.query import Document, Node, Term
from bot.core.rule_blocker_table import BlockerTable
from bot.core.rule_blockers import Blocker, blockers, checked_terms
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
from bot.core.rule_shared_terms import SharedTerms

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

    __slots__ = (
        "_blocked",
        "_contains",
        "_exact",
        "_prefix",
        "_shared",
        "_suffix",
        "_text",
        "_unguarded",
        "_unguarded_mask",
    )

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
        blocked: list[tuple[int, frozenset[Blocker]]] = []
        checked: list[tuple[int, frozenset[Term]]] = []
        for i, node in enumerate(nodes):
            chosen = guard(node, cost)
            if chosen is None:
                unguarded.append(i)
                blocked.append((i, blockers(node)))
                checked.append((i, checked_terms(node)))
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
        self._unguarded_mask = sum(1 << i for i in unguarded)
        self._blocked = BlockerTable(blocked)
        self._shared = SharedTerms(checked)

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
        unguarded: Sequence[int] = self._unguarded
        if self._blocked or self._shared:
            unguarded = self._unblocked(document)
        if not hits:
            return unguarded
        if len(hits) == 1 and not unguarded:
            return hits[0]
        merged = set(unguarded)
        for ids in hits:
            merged.update(ids)
        return sorted(merged)

    def _unblocked(self, document: Document) -> Sequence[int]:
        """Ascending positions of the unguarded rules nothing true of `document` rules out."""
        mask = self._unguarded_mask
        if self._blocked:
            mask &= ~self._blocked.blocked(document)
        # Lookups first: they cost less than evaluating a term, and leave fewer terms to try.
        if mask and self._shared:
            mask = self._shared.remaining(document, mask)
        if mask == self._unguarded_mask:
            return self._unguarded
        return _positions(mask)


# The set bits of each byte value, lowest first.
_BYTE_BITS = tuple(tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256))
_FEW = 16  # up to this many set bits, peeling off the lowest one at a time is cheaper


def _positions(mask: int) -> list[int]:
    """The positions of the set bits of `mask`, ascending."""
    positions: list[int] = []
    append = positions.append
    if mask.bit_count() <= _FEW:
        while mask:
            low = mask & -mask
            append(low.bit_length() - 1)
            mask ^= low
        return positions
    # Many bits: a byte at a time, each byte's bits from a table.
    for index, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) // 8, "little")):
        if byte:
            offset = 8 * index
            for bit in _BYTE_BITS[byte]:
                append(offset + bit)
    return positions


# slice(i, i + GRAM) for each i: cutting a text with these through map() looks
# up its pieces without running Python code per character (a long error
# message has ~1,000 of them). operator.getitem, not text.__getitem__: that
# bound slot wrapper builds an argument tuple per call and measured no faster
# than the loop. Replaced, never changed, when a longer text needs more, so a
# thread still reading the old tuple sees consistent slices.
_SLICES: tuple[slice, ...] = tuple(slice(i, i + GRAM) for i in range(1024))
_piece: Callable[[str, slice], str] = getitem


def _filed(by_gram: dict[str, Ids], text: str) -> Iterator[Ids]:
    """The positions filed under each GRAM-character piece of `text`."""
    global _SLICES
    count = len(text) - GRAM + 1
    if count <= 0:
        return iter(())
    slices = _SLICES
    if count > len(slices):
        slices = _SLICES = tuple(slice(i, i + GRAM) for i in range(max(count, 2 * len(slices))))
    # map() stops after `count` pieces, when repeat() runs out.
    return filter(None, map(by_gram.get, map(_piece, repeat(text, count), slices)))


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
