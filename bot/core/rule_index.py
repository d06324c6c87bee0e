"""Which rules could match a document, found without evaluating them.

Each rule gets a *guard*: a set of requirements of which any matching
document meets at least one. A requirement is an exact tag
(`service:web-store` -> the document has that service), or the literal
prefix of a wildcard value (`service:web-*` -> some service starts with
`web-`), or else its literal suffix (`service:*-store`). Only positive,
case-folded tag terms give requirements; negations, free text, `@attribute`
terms and patterns with wildcards at both ends give none.

Guards are sound by construction: a term's own requirement; for AND any one
child's guard; for OR the union of every branch's guard (none if a branch has
none). Among an AND's choices the index takes the one whose requirements the
fewest rules share, so that `service:(a OR b) env:prod` is filed under its
services, not under the `env:prod` that half the rules name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from bot.core.query import And, Document, Node, Or, Term

EXACT, PREFIX, SUFFIX = "=", "^", "$"
# (lower-cased key, EXACT, PREFIX or SUFFIX, case-folded text)
Requirement = tuple[str, str, str]
Guard = frozenset[Requirement]


def requirement(term: Term) -> Requirement | None:
    """What a document must have for this one term to match, if expressible."""
    if term.key is None or term.attribute:
        return None
    key = term.key.lower()
    if not term.wildcards:
        return (key, EXACT, term.value.casefold())
    first, last = term.wildcards[0], term.wildcards[-1]
    if first > 0:
        return (key, PREFIX, _fold(term.value[:first]))
    if last < len(term.value) - 1:
        return (key, SUFFIX, _fold(term.value[last + 1 :]))
    return None


def _fold(literal: str) -> str:
    # Character by character, as the wildcard regex folds its literal parts.
    return "".join(ch.casefold() for ch in literal)


def requirements(node: Node) -> Iterator[Requirement]:
    """Every requirement any positive term of `node` could contribute."""
    if isinstance(node, Term):
        found = requirement(node)
        if found is not None:
            yield found
    elif isinstance(node, And | Or):
        for child in node.operands:
            yield from requirements(child)


def guard(node: Node, cost: Callable[[Guard], int] = len) -> Guard | None:
    """The requirements of which a matching document meets one; None if there are none."""
    if isinstance(node, Term):
        found = requirement(node)
        return None if found is None else frozenset({found})
    if isinstance(node, And):
        options = [g for g in (guard(child, cost) for child in node.operands) if g is not None]
        return min(options, key=cost) if options else None
    if isinstance(node, Or):
        union: set[Requirement] = set()
        for child in node.operands:
            child_guard = guard(child, cost)
            if child_guard is None:
                return None
            union |= child_guard
        return frozenset(union)
    return None  # Not and MatchAll require nothing


class RuleIndex:
    """Rule positions filed under their guards; `candidates` lists those worth evaluating."""

    __slots__ = ("_exact", "_prefix", "_suffix", "_unguarded")

    def __init__(self, nodes: Sequence[Node]) -> None:
        shared = Counter(r for node in nodes for r in set(requirements(node)))

        def cost(candidate: Guard) -> int:
            return sum(shared[r] for r in candidate)

        tables: dict[str, dict[str, dict[str, list[int]]]] = {EXACT: {}, PREFIX: {}, SUFFIX: {}}
        unguarded: list[int] = []
        for i, node in enumerate(nodes):
            chosen = guard(node, cost)
            if chosen is None:
                unguarded.append(i)
                continue
            for key, kind, text in chosen:
                tables[kind].setdefault(key, {}).setdefault(text, []).append(i)
        self._exact = {
            key: {value: tuple(ids) for value, ids in by_value.items()}
            for key, by_value in tables[EXACT].items()
        }
        self._prefix = _by_length(tables[PREFIX])
        self._suffix = _by_length(tables[SUFFIX])
        self._unguarded = tuple(unguarded)

    def candidates(self, document: Document) -> Sequence[int]:
        """Ascending positions of the rules that could match `document`."""
        hits: list[tuple[int, ...]] = []
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
        if not hits:
            return self._unguarded
        if len(hits) == 1 and not self._unguarded:
            return hits[0]
        merged = set(self._unguarded)
        for ids in hits:
            merged.update(ids)
        return sorted(merged)


def _by_length(
    table: dict[str, dict[str, list[int]]],
) -> dict[str, tuple[tuple[int, ...], dict[str, tuple[int, ...]]]]:
    """Per key: the affix lengths in use, ascending, and the positions filed per affix."""
    return {
        key: (
            tuple(sorted({len(affix) for affix in by_affix})),
            {affix: tuple(ids) for affix, ids in by_affix.items()},
        )
        for key, by_affix in table.items()
    }
