"""Nodes -> one predicate made of closures, built once and called many times.

Matching rules (documented for users in docs/queries.md):
- `key:value` compares the value case-folded (Datadog tags); `@key:value`
  compares it exactly (Datadog attributes). Keys are case-insensitive. A
  field with several values matches when any of them does.
- `key:*` means the field is present; `-key:*` that it is absent.
- Wildcards match the whole value: `service:web*` matches `web-store`, not
  `my-web`. `*` is any run of characters, `?` exactly one.
- A bare word or phrase without wildcards matches when it occurs, case-folded,
  anywhere in one of the document's text fields. A bare word with wildcards
  matches one whole whitespace-separated word of a text field.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.query.document import Document
from bot.core.query.nodes import And, MatchAll, Node, Not, Or, Term

Predicate = Callable[[Document], bool]

_NO_VALUES: frozenset[str] = frozenset()


def compile_node(node: Node) -> Predicate:
    """Turn a parsed query into a predicate over documents."""
    if isinstance(node, Term):
        return compile_term(node)
    if isinstance(node, Not):
        return _negate(compile_node(node.operand))
    if isinstance(node, And):
        return _all([compile_node(child) for child in node.operands])
    if isinstance(node, Or):
        return _any([compile_node(child) for child in node.operands])
    if isinstance(node, MatchAll):
        return _always
    raise TypeError(f"not a query node: {node!r}")


def compile_term(term: Term) -> Predicate:
    if term.key is None:
        return _free_text(term)
    key = term.key.lower()
    if _any_value(term):
        return lambda doc: bool(doc.fields.get(key))
    if term.attribute:
        if term.is_pattern:
            return _pattern_in_field(key, wildcard_regex(term, fold=False), folded=False)
        value = term.value
        return lambda doc: value in doc.fields.get(key, ())
    if term.is_pattern:
        return _pattern_in_field(key, wildcard_regex(term, fold=True), folded=True)
    folded = term.value.casefold()
    return lambda doc: folded in doc.folded.get(key, _NO_VALUES)


# Explicit loops instead of any(<generator>) below: predicates run once per
# rule per issue, and building a generator costs more than the match itself.


def _pattern_in_field(key: str, rx: re.Pattern[str], *, folded: bool) -> Predicate:
    fullmatch = rx.fullmatch

    def match(doc: Document) -> bool:
        values = doc.folded.get(key, _NO_VALUES) if folded else doc.fields.get(key, ())
        for value in values:  # noqa: SIM110
            if fullmatch(value):
                return True
        return False

    return match


def wildcard_regex(term: Term, *, fold: bool, word: str = ".") -> re.Pattern[str]:
    """The regular expression for a wildcard value; `word` is what `?` and `*` range over."""
    wild = set(term.wildcards)
    parts: list[str] = []
    for i, ch in enumerate(term.value):
        if i in wild:
            parts.append(f"{word}*" if ch == "*" else word)
        else:
            parts.append(re.escape(ch.casefold() if fold else ch))
    return re.compile("".join(parts), re.DOTALL)


def _free_text(term: Term) -> Predicate:
    if term.is_pattern:
        if _any_value(term):
            return _always
        body = wildcard_regex(term, fold=True, word=r"\S").pattern
        search = re.compile(rf"(?<!\S){body}(?!\S)").search

        def word_matches(doc: Document) -> bool:
            for text in doc.folded_text:  # noqa: SIM110
                if search(text):
                    return True
            return False

        return word_matches
    folded = term.value.casefold()

    def occurs(doc: Document) -> bool:
        for text in doc.folded_text:  # noqa: SIM110
            if folded in text:
                return True
        return False

    return occurs


def _any_value(term: Term) -> bool:
    """True for a value made only of `*` wildcards: it matches anything at all."""
    return len(term.wildcards) == len(term.value) and set(term.value) == {"*"}


def _always(doc: Document) -> bool:
    return True


def _negate(inner: Predicate) -> Predicate:
    return lambda doc: not inner(doc)


def _all(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 2:
        first, second = predicates
        return lambda doc: first(doc) and second(doc)

    # Plain loops: they run measurably faster here than all()/any() over a generator.
    def every(doc: Document) -> bool:
        for predicate in predicates:  # noqa: SIM110
            if not predicate(doc):
                return False
        return True

    return every


def _any(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 2:
        first, second = predicates
        return lambda doc: first(doc) or second(doc)

    def some(doc: Document) -> bool:
        for predicate in predicates:  # noqa: SIM110
            if predicate(doc):
                return True
        return False

    return some
