"""Matching documents: case rules, wildcards, free text, multi-valued fields, explain."""

from __future__ import annotations

import pytest

from bot.core.query import Document, FieldValue, compile_query


def doc(text: tuple[str, ...] = (), **fields: FieldValue) -> Document:
    return Document.of(fields, text=text)


ISSUE = doc(
    ("TimeoutError: upstream took too long", "Disk full on /var"),
    service="web-store",
    team=["Shopist", "payments"],
    env="prod",
    status="OPEN",
    priority="P2",
    version="1.2.3",
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("service:web-store", True, id="exact-tag"),
        pytest.param("service:Web-Store", True, id="tag-values-ignore-case"),
        pytest.param("SERVICE:web-store", True, id="keys-ignore-case"),
        pytest.param("status:open", True, id="status-open-matches-OPEN"),
        pytest.param("service:web", False, id="tag-value-is-whole-not-prefix"),
        pytest.param("team:payments", True, id="any-of-several-values"),
        pytest.param("team:shopist", True, id="second-team-case-folded"),
        pytest.param("team:ops", False, id="value-absent"),
        pytest.param("owner:x", False, id="field-absent"),
        pytest.param("service:web*", True, id="trailing-star"),
        pytest.param("service:*store", True, id="leading-star"),
        pytest.param("service:*-*", True, id="inner-star"),
        pytest.param("service:web", False, id="no-implicit-wildcard"),
        pytest.param("service:web-stor?", True, id="question-one-char"),
        pytest.param("service:web-sto?", False, id="question-exactly-one-char"),
        pytest.param("service:WEB*", True, id="wildcard-ignores-case"),
        pytest.param('service:"web*"', False, id="quoted-star-literal"),
        pytest.param(r"service:web\*", False, id="escaped-star-literal"),
        pytest.param("version:1.2.?", True, id="dot-is-not-regex"),
        pytest.param("version:1*3", True, id="star-spans-dots"),
        pytest.param("service:*", True, id="star-means-present"),
        pytest.param("owner:*", False, id="star-on-absent-field"),
        pytest.param("-owner:*", True, id="negated-star-means-absent"),
        pytest.param("timeout", True, id="free-text-word-ignores-case"),
        pytest.param('"disk full"', True, id="phrase"),
        pytest.param('"full disk"', False, id="phrase-word-order-matters"),
        pytest.param("took", True, id="word-in-second-position"),
        pytest.param("Time*", True, id="free-text-wildcard-whole-word"),
        pytest.param(r"*Error\:", True, id="free-text-wildcard-leading"),
        pytest.param("ook*", False, id="free-text-wildcard-anchored-to-word"),
        pytest.param("*", True, id="lone-star-matches-all"),
        pytest.param("web-store", False, id="free-text-does-not-search-fields"),
        pytest.param("service:web-store team:Shopist", True, id="implicit-and"),
        pytest.param("service:web-store AND team:nobody", False, id="and-needs-both"),
        pytest.param("service:x OR team:Shopist", True, id="or-needs-one"),
        pytest.param("service:web-store -team:Shopist", False, id="not-excludes"),
        pytest.param("service:web-store NOT team:nobody", True, id="NOT-keyword"),
        pytest.param("priority:(P1 OR P2)", True, id="key-group"),
        pytest.param("priority:(P1 OR P3)", False, id="key-group-none"),
        pytest.param("env:(-staging)", True, id="key-group-negation"),
        pytest.param("service:x OR service:y team:Shopist", False, id="precedence-or-of-and"),
        pytest.param("(service:x OR service:web-store) team:Shopist", True, id="parenthesized"),
        pytest.param("", True, id="empty-query-matches-all"),
        pytest.param(
            'status:open priority:(P1 OR P2) "disk full" -team:x', True, id="case-search-example"
        ),
    ],
)
def test_matches(query: str, expected: bool) -> None:
    assert compile_query(query).matches(ISSUE) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("@error.kind:Timeout", True, id="attribute-exact"),
        pytest.param("@error.kind:timeout", False, id="attribute-values-are-case-sensitive"),
        pytest.param("@error.kind:Time*", True, id="attribute-wildcard"),
        pytest.param("@error.kind:time*", False, id="attribute-wildcard-case-sensitive"),
        pytest.param("error.kind:timeout", True, id="same-key-as-tag-ignores-case"),
        pytest.param("@hello:world\\:x", True, id="escaped-colon-value"),
        pytest.param('@hello:"world:x"', True, id="quoted-colon-value"),
        pytest.param("@msg:hello?world", True, id="question-matches-space"),
    ],
)
def test_attributes(query: str, expected: bool) -> None:
    document = Document.of({"error.kind": "Timeout", "hello": "world:x", "msg": "hello world"})
    assert compile_query(query).matches(document) is expected


def test_document_of_drops_absent_values() -> None:
    document = doc(service=None, team=[], env="prod")
    assert document.fields == {"env": ("prod",)}


def test_explain_gives_each_clause_its_result() -> None:
    trace = compile_query("service:web-store -team:Shopist").explain(ISSUE)
    assert trace.result is False
    assert [(c.text, c.result) for c in trace.children] == [
        ("service:web-store", True),
        ("-team:Shopist", False),
    ]
    assert trace.lines() == [
        "all of: service:web-store -team:Shopist  -> does not match",
        "  service:web-store  -> matches",
        "  -team:Shopist  -> does not match",
        "    team:Shopist  -> matches",
    ]


def test_explain_evaluates_every_clause_even_after_the_answer_is_known() -> None:
    trace = compile_query("service:x OR team:y OR env:prod").explain(ISSUE)
    assert [c.result for c in trace.children] == [False, False, True]
