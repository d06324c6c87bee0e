"""What rules out a rule without evaluating it: the blockers behind the rule index.

A rule's *blockers* are tag values any one of which, present on a document,
means the rule cannot match it. A blocker `(key, text)` is present when
`text` is among the document's case-folded values of `key` (lower-cased): it
is the exact, non-wildcard tag term `key:text`, which the compiler matches
exactly when that case-folded value is there, so the rule's `-key:text` is
then certainly false.

Blockers are sound by construction:

- `-key:value` (a negated tag term without wildcards) is blocked by
  `(key, value)`, case-folded;
- AND: by any one child's blockers (the union), since one failing child
  fails the AND;
- OR: only by the blockers that every branch has (the intersection);
- anything else (a term, `-@key:value`, a negated wildcard, phrase or group,
  the empty query) by none.

The index uses them for the rules it cannot file under a guard
(`bot.core.rule_guard`), such as negation-only rules, which it would
otherwise evaluate for every document.
"""

from __future__ import annotations

from bot.core.query import And, Node, Not, Or, Term

# (lower-cased key, case-folded value)
Blocker = tuple[str, str]

_NONE: frozenset[Blocker] = frozenset()


def exact_tag(term: Term) -> Blocker | None:
    """The (key, folded value) a tag term is matched by exactly, if it is one."""
    if term.key is None or term.attribute or term.wildcards:
        return None
    return (term.key.lower(), term.value.casefold())


def blockers(node: Node) -> frozenset[Blocker]:
    """Tag values any one of which, on a document, means `node` does not match it."""
    if isinstance(node, Not):
        operand = node.operand
        if isinstance(operand, Term):
            tag = exact_tag(operand)
            if tag is not None:
                return frozenset({tag})
        return _NONE
    if isinstance(node, And):
        union: set[Blocker] = set()
        for child in node.operands:
            union |= blockers(child)
        return frozenset(union)
    if isinstance(node, Or):
        shared: frozenset[Blocker] | None = None
        for child in node.operands:
            found = blockers(child)
            shared = found if shared is None else shared & found
            if not shared:
                return _NONE
        return _NONE if shared is None else shared
    return _NONE  # a term, MatchAll: nothing on a document rules them out
