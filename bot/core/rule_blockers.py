"""What rules out a rule without evaluating it: the blockers behind the rule index.

A rule's *blockers* are conditions on a document's field values any one of
which, met, means the rule cannot match it. A blocker `(key, kind, text)` is
met when some value of the field `key` (lower-cased):

- EXACT: case-folded, equals `text`;
- PREFIX / SUFFIX: case-folded, starts / ends with `text`;
- ATTRIBUTE: as written, equals `text`;
- ATTRIBUTE_PREFIX / ATTRIBUTE_SUFFIX: as written, starts / ends with `text`.

Each is met exactly when one term is true, as the compiler decides it
(`bot.core.query.compiler`), so a negation of that term is then false:

- `key:value` without wildcards is a case-folded value equal to
  `value.casefold()`, hence EXACT;
- `key:lit*`, whose only wildcards are `*`s at the end, is a case-folded value
  matching the regex of `lit` folded character by character followed by `.*`
  (DOTALL): one that starts with that folded `lit`, hence PREFIX; `key:*lit`
  likewise SUFFIX, and `key:*` PREFIX of "" (any value at all);
- `@key:value` compares the values as written: ATTRIBUTE, and with end
  wildcards ATTRIBUTE_PREFIX / ATTRIBUTE_SUFFIX.

A `?` needs exactly one character and an inner `*` leaves the two literals
apart, and free text is looked for inside texts: no lookup decides those
terms. In their place the term itself stands as the condition (its key
lower-cased, as the compiler reads it, so that `-Env:pro?` and `-env:pro?`
are one term): it is met when the compiler's predicate for the term is true.
`checked_terms` lists those; the index evaluates each such term that several
rules share once per document (`bot.core.rule_shared_terms`).

Blockers are found by De Morgan, as the conditions that make a node false:

- `-x`: those that make `x` true, so `-(a OR b)` and `-key:(a OR b)` are
  blocked by `key:a` and by `key:b`;
- AND: any one child's (the union), since one false child fails the AND;
- OR: only those every branch has (the intersection);
- a term: none (a term is false when a value is absent, which no lookup of
  present values shows), nor the empty query.

And the conditions that make a node true: a term's own (else the term); for
OR the union; for AND the intersection; for `-x` the blockers of `x`.

The index uses them for the rules it cannot file under a guard
(`bot.core.rule_guard`), such as negation-only rules, which it would
otherwise evaluate for every document.
"""

from __future__ import annotations

from bot.core.query import And, Node, Not, Or, Term
from bot.core.rule_guard import EXACT, PREFIX, SUFFIX, fold_literal

ATTRIBUTE, ATTRIBUTE_PREFIX, ATTRIBUTE_SUFFIX = "@=", "@^", "@$"
# The kinds met by a field's values as written, not case-folded.
AS_WRITTEN = frozenset({ATTRIBUTE, ATTRIBUTE_PREFIX, ATTRIBUTE_SUFFIX})
# The kinds looked up by affix length.
PREFIXES = frozenset({PREFIX, ATTRIBUTE_PREFIX})
SUFFIXES = frozenset({SUFFIX, ATTRIBUTE_SUFFIX})

# (lower-cased key, kind, text)
Blocker = tuple[str, str, str]

# A table blocker, or a term whose compiled predicate decides it.
Condition = Blocker | Term

_NONE: frozenset[Condition] = frozenset()


def condition(term: Term) -> Blocker | None:
    """The condition on a document's values that holds exactly when `term` matches, if any."""
    if term.key is None:
        return None
    key, value, wildcards = term.key.lower(), term.value, term.wildcards
    if not wildcards:
        if term.attribute:
            return (key, ATTRIBUTE, value)
        return (key, EXACT, value.casefold())
    if any(value[i] != "*" for i in wildcards):
        return None  # `?` is exactly one character: no affix decides it
    count, length = len(wildcards), len(value)
    if wildcards[0] == length - count:  # the `*`s are the last `count` characters
        prefix = value[: length - count]
        if count == length:
            # `key:*` and `@key:*` both mean "has a value": every value starts with "".
            return (key, PREFIX, "")
        if term.attribute:
            return (key, ATTRIBUTE_PREFIX, prefix)
        return (key, PREFIX, fold_literal(prefix))
    if wildcards[-1] == count - 1:  # the `*`s are the first `count` characters
        suffix = value[count:]
        if term.attribute:
            return (key, ATTRIBUTE_SUFFIX, suffix)
        return (key, SUFFIX, fold_literal(suffix))
    return None  # a `*` between literals


def blockers(node: Node) -> frozenset[Blocker]:
    """Conditions any one of which, met by a document, means `node` does not match it."""
    return frozenset(c for c in _deciding(node, result=False) if isinstance(c, tuple))


def checked_terms(node: Node) -> frozenset[Term]:
    """Undecided terms any one of which, true for a document, means `node` does not match it."""
    return frozenset(c for c in _deciding(node, result=False) if isinstance(c, Term))


def _checked(term: Term) -> Term:
    """`term` as the compiler reads it: key lower-cased, positions and quoting dropped."""
    key = None if term.key is None else term.key.lower()
    return Term(key, term.value, term.wildcards, attribute=term.attribute)


def _deciding(node: Node, *, result: bool) -> frozenset[Condition]:
    """Conditions any one of which, met by a document, makes `node` evaluate to `result`."""
    if isinstance(node, Term):
        if not result:
            return _NONE  # a false term shows no present value to look up
        found = condition(node)
        return frozenset({_checked(node) if found is None else found})
    if isinstance(node, Not):
        return _deciding(node.operand, result=not result)
    if isinstance(node, And | Or):
        # One child settles a false AND or a true OR; the other way round takes every child.
        if isinstance(node, And) is not result:
            union: set[Condition] = set()
            for child in node.operands:
                union |= _deciding(child, result=result)
            return frozenset(union)
        shared: frozenset[Condition] | None = None
        for child in node.operands:
            found_all = _deciding(child, result=result)
            shared = found_all if shared is None else shared & found_all
            if not shared:
                return _NONE
        return _NONE if shared is None else shared
    return _NONE  # MatchAll: never false, and true without any condition to look up
