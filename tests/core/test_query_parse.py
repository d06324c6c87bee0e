"""Reading queries: precedence, grouping, escapes, wildcards and errors with positions."""

from __future__ import annotations

import pytest

from bot.core.query import And, MatchAll, Node, Not, Or, QuerySyntaxError, Term, parse, to_query


def t(key: str | None, value: str, *, wild: tuple[int, ...] = (), quoted: bool = False) -> Term:
    return Term(key, value, wild, quoted)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        pytest.param("service:web-store", t("service", "web-store"), id="key-value-with-dash"),
        pytest.param("hello", t(None, "hello"), id="bare-word-is-free-text"),
        pytest.param('"disk full"', t(None, "disk full", quoted=True), id="phrase"),
        pytest.param("a b", And((t(None, "a"), t(None, "b"))), id="whitespace-is-implicit-and"),
        pytest.param(
            "a AND b", And((t(None, "a"), t(None, "b"))), id="explicit-and-same-as-implicit"
        ),
        pytest.param(
            "a OR b c",
            Or((t(None, "a"), And((t(None, "b"), t(None, "c"))))),
            id="and-binds-tighter-than-or",
        ),
        pytest.param(
            "a b OR c",
            Or((And((t(None, "a"), t(None, "b"))), t(None, "c"))),
            id="and-binds-tighter-than-or-on-the-left",
        ),
        pytest.param(
            "-a b",
            And((Not(t(None, "a")), t(None, "b"))),
            id="not-binds-tighter-than-and",
        ),
        pytest.param(
            "NOT a OR b",
            Or((Not(t(None, "a")), t(None, "b"))),
            id="NOT-keyword-binds-tighter-than-or",
        ),
        pytest.param(
            "(a OR b) c",
            And((Or((t(None, "a"), t(None, "b"))), t(None, "c"))),
            id="parentheses-override-precedence",
        ),
        pytest.param(
            "-(a OR b)",
            Not(Or((t(None, "a"), t(None, "b")))),
            id="negated-group",
        ),
        pytest.param("NOT(a)", Not(t(None, "a")), id="NOT-directly-before-parenthesis"),
        pytest.param(
            "a or b",
            And((t(None, "a"), t(None, "or"), t(None, "b"))),
            id="lowercase-or-is-a-word",
        ),
        pytest.param(
            "a and b",
            And((t(None, "a"), t(None, "and"), t(None, "b"))),
            id="lowercase-and-is-a-word",
        ),
        pytest.param(
            "priority:(P1 OR P2)",
            Or((t("priority", "P1"), t("priority", "P2"))),
            id="key-group-distributes-the-key",
        ),
        pytest.param(
            'status:(open OR "in progress") -team:x',
            And(
                (
                    Or((t("status", "open"), t("status", "in progress", quoted=True))),
                    Not(t("team", "x")),
                )
            ),
            id="key-group-with-phrase",
        ),
        pytest.param("env:(-beta)", Not(t("env", "beta")), id="key-group-with-negation"),
        pytest.param(
            'service:"web store"', t("service", "web store", quoted=True), id="quoted-value"
        ),
        pytest.param(
            'service:"web*"', t("service", "web*", quoted=True), id="star-inside-quotes-is-literal"
        ),
        pytest.param("service:web*", t("service", "web*", wild=(3,)), id="star-wildcard"),
        pytest.param("code:5?3", t("code", "5?3", wild=(1,)), id="question-wildcard"),
        pytest.param(r"a:web\*", t("a", "web*"), id="escaped-star-is-literal"),
        pytest.param(r"hello\:world", t(None, "hello:world"), id="escaped-colon-stays-free-text"),
        pytest.param(r"\-a", t(None, "-a"), id="escaped-dash-is-not-negation"),
        pytest.param(r"hello\ world", t(None, "hello world"), id="escaped-space-joins-words"),
        pytest.param(r"\AND", t(None, "AND"), id="escaped-keyword-is-a-word"),
        pytest.param('"AND"', t(None, "AND", quoted=True), id="quoted-keyword-is-a-phrase"),
        pytest.param(r'"say \"hi\""', t(None, 'say "hi"', quoted=True), id="escaped-quote"),
        pytest.param("url:http://x/y", t("url", "http://x/y"), id="only-first-colon-splits"),
        pytest.param("AND:x", t("AND", "x"), id="keyword-as-key"),
        pytest.param("--a", Not(Not(t(None, "a"))), id="double-negation-kept"),
        pytest.param(
            '"a" b', And((t(None, "a", quoted=True), t(None, "b"))), id="phrase-then-word"
        ),
        pytest.param(
            'k:"a" b', And((t("k", "a", quoted=True), t(None, "b"))), id="quoted-value-then-word"
        ),
        pytest.param('("a")', t(None, "a", quoted=True), id="phrase-in-parentheses"),
        pytest.param("", MatchAll(), id="empty-query-matches-all"),
        pytest.param("   ", MatchAll(), id="blank-query-matches-all"),
    ],
)
def test_parses(query: str, tree: Node) -> None:
    assert parse(query) == tree


def test_attribute_keys_are_marked() -> None:
    node = parse("@http.status_code:500")
    assert node == Term("http.status_code", "500", attribute=True)


def test_positions_point_into_the_source() -> None:
    query = 'status:open priority:(P1 OR P2) "disk full" -team:x'
    node = parse(query)
    assert isinstance(node, And)
    status, priority, phrase, negated = node.operands
    assert (status.start, status.end) == (0, 11)
    assert query[priority.start : priority.end] == "priority:(P1 OR P2)"
    assert isinstance(priority, Or)
    assert [query[p.start : p.end] for p in priority.operands] == ["P1", "P2"]
    assert query[phrase.start : phrase.end] == '"disk full"'
    assert query[negated.start : negated.end] == "-team:x"
    assert negated.column == 45


@pytest.mark.parametrize(
    ("query", "column", "expected"),
    [
        pytest.param("(a OR b", 8, "')'", id="unclosed-paren-at-end"),
        pytest.param("service:(a OR b", 16, "')'", id="unclosed-key-group"),
        pytest.param("(a b", 5, "')'", id="unclosed-after-implicit-and"),
        pytest.param("a)", 2, "a term or an operator", id="unmatched-close"),
        pytest.param(")", 1, "a term", id="leading-close"),
        pytest.param("()", 2, "a term", id="empty-parentheses"),
        pytest.param("a AND", 6, "a term", id="dangling-and"),
        pytest.param("a OR", 5, "a term", id="dangling-or"),
        pytest.param("OR a", 1, "a term", id="leading-or"),
        pytest.param("a AND OR b", 7, "a term", id="two-operators"),
        pytest.param("a -", 4, "a term", id="dangling-minus"),
        pytest.param("a - b", 4, "a term right after '-'", id="detached-minus"),
        pytest.param("NOT", 4, "a term", id="lone-NOT"),
        pytest.param('"abc', 5, "'\"'", id="unclosed-phrase"),
        pytest.param('team:"abc', 10, "'\"'", id="unclosed-quoted-value"),
        pytest.param("a\\", 3, "a character after '\\'", id="trailing-backslash"),
        pytest.param("service:", 9, "a value", id="key-without-value"),
        pytest.param("service: web", 9, "a value", id="space-after-colon"),
        pytest.param(":x", 1, "a field name before ':'", id="colon-without-key"),
        pytest.param("@:x", 2, "a field name before ':'", id="at-without-key"),
        pytest.param('a"b', 2, "whitespace before '\"'", id="quote-inside-word"),
        pytest.param('"a"b', 4, "whitespace or ')'", id="text-glued-to-phrase"),
        pytest.param("k:(a:b)", 4, "a value", id="key-inside-key-group"),
        pytest.param("k:(j:(a))", 4, "a value", id="key-group-inside-key-group"),
        pytest.param("(" * 65 + "a" + ")" * 65, 65, "a shallower query", id="too-deep"),
    ],
)
def test_syntax_errors_name_column_and_expected_token(
    query: str, column: int, expected: str
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    error = caught.value
    assert (error.position, error.expected) == (column, expected)
    assert f"expected {expected} at column {column}" in str(error)


def test_unclosed_paren_message_reads_well() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse("service:(a OR b")
    assert str(caught.value) == (
        "expected ')' at column 16: to close the '(' at column 9, found the end of the query"
    )


def test_unclosed_paren_in_the_middle_points_at_the_column() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse("(service:a OR b")
    assert str(caught.value).startswith("expected ')' at column 16")


@pytest.mark.parametrize(
    "query",
    [
        "service:web-store",
        "a OR b c",
        "(a OR b) c",
        "a OR (b OR c)",
        "(a b) c",
        "-(a b) OR --c",
        'service:"web store" -@http.code:5??',
        r"hello\:world \-x \AND \ lead",
        'k:"" "" x',
        r'"a \"quoted\" \\ phrase"',
        "priority:(P1 OR P2) -team:(x OR y)",
        r"key\ with\ space:v",
        r"\@notattr:v",
    ],
)
def test_printing_round_trips(query: str) -> None:
    tree = parse(query)
    assert parse(to_query(tree)) == tree


def test_printer_uses_the_fewest_parentheses() -> None:
    assert to_query(parse("(a) OR ((b c))")) == "a OR b c"
    assert to_query(parse("NOT (a OR b) c")) == "-(a OR b) c"
