"""Which unguarded rules a document rules out: shared undecided terms, evaluated once.

Some negated terms rule a rule out but no lookup decides them (`-env:pro?`,
`-service:*-12-*`, `-timeout`: `bot.core.rule_blockers.checked_terms`). When
several unguarded rules share one, evaluating it once with the compiler's
own predicate for it (so its truth is exactly the one each rule would see)
and, if true, ruling out all of those rules costs one evaluation instead of
one per rule. A term only one rule has is left out: evaluating it costs as
much as evaluating that rule.

Terms are tried lazily, most rules first, and only while they can still rule
out a rule that nothing has ruled out yet, so a document that the blocker
table or earlier terms have settled evaluates no more of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.query import Document, Predicate, Term, compile_node


class SharedTerms:
    """Per term that at least two rules share: its predicate and the bits of those rules."""

    __slots__ = ("_terms",)

    def __init__(self, checked: Iterable[tuple[int, Iterable[Term]]]) -> None:
        """`checked`: each rule position with the terms any of which, true, rules it out."""
        bits: dict[Term, int] = {}
        for position, terms in checked:
            bit = 1 << position
            for term in terms:
                bits[term] = bits.get(term, 0) | bit
        # Most rules first: the likeliest to leave nothing to evaluate after it.
        shared = sorted(
            ((term, found) for term, found in bits.items() if found.bit_count() >= 2),
            key=lambda term_found: -term_found[1].bit_count(),
        )
        self._terms: tuple[tuple[Predicate, int], ...] = tuple(
            (compile_node(term), found) for term, found in shared
        )

    def __bool__(self) -> bool:
        return bool(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def remaining(self, document: Document, mask: int) -> int:
        """`mask` without the bits of the rules that a shared term true for `document` rules out."""
        for predicate, bits in self._terms:
            if mask & bits and predicate(document):
                mask &= ~bits
                if not mask:
                    break
        return mask
