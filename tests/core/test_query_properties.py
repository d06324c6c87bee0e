"""Properties: no input crashes the parser, printing round-trips, compiling agrees with explain."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.query import Document, QuerySyntaxError, compile_node, explain, parse, to_query

pytestmark = pytest.mark.slow

# Characters that mean something to the language, weighted so that
# random strings often come close to being valid queries.
QUERYISH = st.text(alphabet=st.sampled_from(list('ab:*?"\\()-@ \tORANDT')), max_size=40)

WORDS = st.sampled_from(["web", "store", "P1", "Shopist", "x", "disk full", "a:b", "-", "AND"])
KEYS = st.sampled_from(["service", "team", "@error.kind", "Env"])


def _value(word: str) -> str:
    if " " in word or ":" in word:
        return '"' + word + '"'
    return "\\" + word if word in {"-", "AND"} else word


@st.composite
def queries(draw: st.DrawFn, depth: int = 0) -> str:
    """Well-formed queries built from the grammar, with random spacing and operators."""
    kind = draw(st.integers(0, 5 if depth < 3 else 1))
    if kind == 0:
        return _value(draw(WORDS))
    if kind == 1:
        value = _value(draw(WORDS))
        star = "" if value.startswith('"') else draw(st.sampled_from(["", "*"]))
        return f"{draw(KEYS)}:{value}{star}"
    if kind == 2:
        return "-" + draw(queries(depth + 1))
    if kind == 3:
        return f"({draw(queries(depth + 1))})"
    if kind == 4:
        op = draw(st.sampled_from([" ", " AND ", " OR ", "  "]))
        return draw(queries(depth + 1)) + op + draw(queries(depth + 1))
    return f"{draw(KEYS)}:({_value(draw(WORDS))} OR {_value(draw(WORDS))})"


DOCUMENTS = st.builds(
    lambda service, team, text: Document.of(
        {"service": service, "team": team, "error.kind": "Timeout"}, text=text
    ),
    st.sampled_from(["web-store", "store", None]),
    st.lists(st.sampled_from(["Shopist", "x", "P1"]), max_size=2),
    st.lists(st.sampled_from(["disk full", "web store", "x AND"]), max_size=2),
)


@settings(max_examples=3000)
@given(st.one_of(st.text(max_size=60), QUERYISH))
def test_any_string_parses_or_fails_with_a_valid_position(text: str) -> None:
    try:
        tree = parse(text)
    except QuerySyntaxError as error:
        assert 1 <= error.position <= len(text) + 1
        assert f"at column {error.position}" in error.message
        return
    assert parse(to_query(tree)) == tree


@settings(max_examples=1000)
@given(queries())
def test_generated_queries_parse_and_round_trip(text: str) -> None:
    tree = parse(text)
    assert parse(to_query(tree)) == tree


@settings(max_examples=1000)
@given(queries(), DOCUMENTS)
def test_compiled_predicate_agrees_with_explain(text: str, document: Document) -> None:
    tree = parse(text)
    assert compile_node(tree)(document) is explain(tree, document).result
    assert compile_node(parse(to_query(tree)))(document) is compile_node(tree)(document)
