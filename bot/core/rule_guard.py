"""What a rule cannot match without: the requirements behind the rule index.

Each rule gets a *guard*: a set of requirements of which any matching
document meets at least one. A requirement says that some case-folded value
of a field (lower-cased key):

- EXACT: equals a text (`service:web-store`),
- PREFIX: starts with the literal prefix of a wildcard value (`service:web-*`),
- SUFFIX: ends with its literal suffix (`service:*-store`),
- CONTAINS: contains a literal run (`service:*-12-*` -> `-12-`; every run
  between wildcards of `*a?bcd*` is one), or, under the key TEXT (None, which
  no field key can be), that some case-folded text field contains a free-text
  word or phrase (`"checkout step 12"`, or a literal run of `time*out`, since a
  free-text wildcard word matches one whole word of a text field).

CONTAINS literals shorter than GRAM characters (the index looks them up by
their GRAM-character pieces) give no requirement. `@attribute` terms give the
same requirements as tags: a value equal to (or starting with, ...) the exact
text also does so once both are case-folded, since casefold maps each
character on its own. Negations, `key:*` and the empty query give none.

Guards are sound by construction: a term's own requirement (the cheapest of
those it implies); for AND any one child's guard; for OR the union of every
branch's guard (none if a branch has none). Among an AND's choices the index
takes the one whose requirements the fewest rules share, so that
`service:(a OR b) env:prod` is filed under its services, not under the
`env:prod` that half the rules name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise

from bot.core.query import And, Node, Or, Term

EXACT, PREFIX, SUFFIX, CONTAINS = "=", "^", "$", "~"
TEXT = None  # the key of free-text requirements: no field key is None
GRAM = 3  # CONTAINS literals are filed under one piece of this many characters
# (lower-cased key or TEXT, EXACT/PREFIX/SUFFIX/CONTAINS, case-folded text)
Requirement = tuple[str | None, str, str]
Guard = frozenset[Requirement]


def term_requirements(term: Term) -> tuple[Requirement, ...]:
    """Each requirement that this one term's match implies (any one of them will do)."""
    if term.key is None:
        return _free_text(term)
    key = term.key.lower()
    value, wildcards = term.value, term.wildcards
    if not wildcards:
        return ((key, EXACT, value.casefold()),)
    found: list[Requirement] = []
    first, last = wildcards[0], wildcards[-1]
    if first > 0:
        found.append((key, PREFIX, fold_literal(value[:first])))
    if last < len(value) - 1:
        found.append((key, SUFFIX, fold_literal(value[last + 1 :])))
    # The runs between two wildcards; the ends are better served by PREFIX/SUFFIX.
    for start, end in pairwise(wildcards):
        literal = fold_literal(value[start + 1 : end])
        if len(literal) >= GRAM:
            found.append((key, CONTAINS, literal))
    return tuple(found)


def _free_text(term: Term) -> tuple[Requirement, ...]:
    if not term.wildcards:
        # The compiler looks for the whole value, case-folded, in each text field.
        literal = term.value.casefold()
        return ((TEXT, CONTAINS, literal),) if len(literal) >= GRAM else ()
    bounds = (-1, *term.wildcards, len(term.value))
    found: list[Requirement] = []
    for start, end in pairwise(bounds):
        literal = fold_literal(term.value[start + 1 : end])
        if len(literal) >= GRAM:
            found.append((TEXT, CONTAINS, literal))
    return tuple(found)


def fold_literal(literal: str) -> str:
    """A wildcard value's literal part, case-folded as the compiler's wildcard regex folds it.

    Character by character: the regex is built from each character's casefold.
    """
    return "".join(ch.casefold() for ch in literal)


def grams(literal: str) -> Iterator[str]:
    """The GRAM-character pieces of a literal, in order (none if it is shorter)."""
    for i in range(len(literal) - GRAM + 1):
        yield literal[i : i + GRAM]


def requirements(node: Node) -> Iterator[Requirement]:
    """Every requirement any positive term of `node` could contribute."""
    if isinstance(node, Term):
        yield from term_requirements(node)
    elif isinstance(node, And | Or):
        for child in node.operands:
            yield from requirements(child)


def guard(node: Node, cost: Callable[[Guard], int] = len) -> Guard | None:
    """The requirements of which a matching document meets one; None if there are none."""
    if isinstance(node, Term):
        options = [frozenset({r}) for r in term_requirements(node)]
        return min(options, key=cost) if options else None
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
