"""Automation rules: ordered, first match wins, explained clause by clause."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.issues import issue_document
from bot.core.query import (
    And,
    Document,
    Node,
    Not,
    Or,
    Predicate,
    Term,
    compile_node,
    compile_query,
    parse,
)
from bot.core.rule_blockers import Blocker, blockers, checked_terms
from bot.core.rule_index import Requirement, RuleIndex, guard
from bot.core.rule_shared_terms import SharedTerms
from bot.core.rules import Rule, RuleError, RuleSet


def rule(rule_id: str, query: str, project: str = "", *, auto: bool = False, pos: int = 0) -> Rule:
    return Rule(rule_id, query, project or f"project-{rule_id}", auto, pos)


WEB_SHOPIST = issue_document(service="web-store", team="Shopist", title="TimeoutError")


@pytest.mark.parametrize(
    ("query", "service", "team", "expected"),
    [
        pytest.param("service:web-store AND team:Shopist", "web-store", "Shopist", True, id="and"),
        pytest.param(
            "service:web-store AND team:Shopist", "web-store", "Other", False, id="and-no"
        ),
        pytest.param("service:web-store OR team:Shopist", "api", "Shopist", True, id="or"),
        pytest.param("service:web-store OR team:Shopist", "api", "Other", False, id="or-no"),
        pytest.param("service:web-store -team:Shopist", "web-store", "Other", True, id="not"),
        pytest.param("service:web-store -team:Shopist", "web-store", "Shopist", False, id="not-no"),
        pytest.param("service:web*", "web-store", None, True, id="wildcard"),
        pytest.param("team:shopist", "x", "Shopist", True, id="team-handle-ignores-case"),
    ],
)
def test_datadog_rule_examples(query: str, service: str, team: str | None, expected: bool) -> None:
    rules = RuleSet([rule("r1", query)])
    match = rules.first_match(issue_document(service=service, team=team))
    assert (match is not None) is expected


def test_first_matching_rule_in_order_wins() -> None:
    rules = RuleSet(
        [
            rule("catch-all", "", "DEFAULT", pos=3),
            rule("web", "service:web-store", "WEB", pos=2),
            rule("shopist-web", "service:web-store team:Shopist", "SHOP", auto=True, pos=1),
        ]
    )
    match = rules.first_match(WEB_SHOPIST)
    assert match is not None
    assert (match.rule.id, match.project_id, match.auto_create, match.index) == (
        "shopist-web",
        "SHOP",
        True,
        0,
    )
    other = rules.first_match(issue_document(service="web-store", team="Ops"))
    assert other is not None and other.rule.id == "web"
    fallback = rules.first_match(issue_document(service="api"))
    assert fallback is not None and fallback.rule.id == "catch-all"


def test_unindexed_rule_before_indexed_rule_still_wins() -> None:
    rules = RuleSet([rule("not-ops", "-team:ops", pos=1), rule("web", "service:web-store", pos=2)])
    match = rules.first_match(WEB_SHOPIST)
    assert match is not None and match.rule.id == "not-ops"


def test_equal_positions_keep_list_order() -> None:
    rules = RuleSet([rule("b", "service:web-store"), rule("a", "service:web-store")])
    assert [r.id for r in rules.rules] == ["b", "a"]
    match = rules.first_match(WEB_SHOPIST)
    assert match is not None and match.rule.id == "b"


def test_no_rule_matches() -> None:
    rules = RuleSet([rule("r1", "service:api"), rule("r2", "team:ops")])
    assert rules.first_match(WEB_SHOPIST) is None
    assert RuleSet([]).first_match(WEB_SHOPIST) is None


def test_bad_query_names_the_rule_and_column() -> None:
    with pytest.raises(RuleError) as caught:
        RuleSet([rule("ok", "service:a"), rule("broken", "service:(a OR b")])
    assert caught.value.rule_id == "broken"
    assert str(caught.value) == (
        "rule broken: expected ')' at column 16: to close the '(' at column 9, "
        "found the end of the query"
    )
    assert caught.value.syntax is not None and caught.value.syntax.position == 16


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(RuleError, match="rule r1: appears twice"):
        RuleSet([rule("r1", "a"), rule("r1", "b", pos=1)])


def test_explain_lists_every_rule_and_clause_and_marks_the_first_match() -> None:
    rules = RuleSet(
        [
            rule("r1", "service:web-store -team:Shopist", "WEB", pos=1),
            rule("r2", "team:Shopist", "SHOP", auto=True, pos=2),
            rule("r3", "service:web*", "ANY", pos=3),
        ]
    )
    explanation = rules.explain(WEB_SHOPIST)
    assert [v.matched for v in explanation.verdicts] == [False, True, True]
    assert explanation.match is not None and explanation.match.rule.id == "r2"
    assert explanation.lines() == [
        "1. rule r1 -> project WEB: does not match",
        "  all of: service:web-store -team:Shopist  -> does not match",
        "    service:web-store  -> matches",
        "    -team:Shopist  -> does not match",
        "      team:Shopist  -> matches",
        "2. rule r2 -> project SHOP, auto-create: matches (first match: this rule applies)",
        "  team:Shopist  -> matches",
        "3. rule r3 -> project ANY: matches",
        "  service:web*  -> matches",
    ]


def test_explain_says_when_nothing_matches() -> None:
    explanation = RuleSet([rule("r1", "service:api")]).explain(WEB_SHOPIST)
    assert explanation.match is None
    assert explanation.lines()[-1] == "no rule matches"


@pytest.mark.parametrize(
    ("query", "required"),
    [
        pytest.param("service:a", {("service", "=", "a")}, id="term"),
        pytest.param("Service:A", {("service", "=", "a")}, id="folded"),
        pytest.param("service:a team:b x", {("service", "=", "a")}, id="and-picks-one"),
        pytest.param("team:(a OR b) service:c", {("service", "=", "c")}, id="and-picks-smallest"),
        pytest.param(
            "service:a OR team:b", {("service", "=", "a"), ("team", "=", "b")}, id="or-unions"
        ),
        pytest.param("service:a OR -team:b", None, id="or-with-unguarded-branch"),
        pytest.param("-service:a", None, id="negation"),
        pytest.param("service:Web-*", {("service", "^", "web-")}, id="wildcard-prefix"),
        pytest.param("service:we?b*", {("service", "^", "we")}, id="prefix-up-to-first-wildcard"),
        pytest.param("service:*-Store", {("service", "$", "-store")}, id="wildcard-suffix"),
        pytest.param("service:*b?c", {("service", "$", "c")}, id="suffix-after-last-wildcard"),
        pytest.param("service:*-*", None, id="wildcards-at-both-ends-short-middle"),
        pytest.param("service:*-12-*", {("service", "~", "-12-")}, id="wildcard-infix"),
        pytest.param("service:*ab?CDE*f", {("service", "$", "f")}, id="suffix-before-contains"),
        pytest.param("service:*ab?CDE*", {("service", "~", "cde")}, id="infix-run-of-3-or-more"),
        pytest.param("service:*ab?cd*", None, id="infix-runs-too-short"),
        pytest.param("service:*xß*", {("service", "~", "xss")}, id="infix-folded-length"),
        pytest.param("@service:Web", {("service", "=", "web")}, id="attribute-filed-folded"),
        pytest.param("@service:Web-*", {("service", "^", "web-")}, id="attribute-prefix"),
        pytest.param("Hello", {(None, "~", "hello")}, id="free-text-word"),
        pytest.param('"Disk full"', {(None, "~", "disk full")}, id="free-text-phrase"),
        pytest.param("hi", None, id="free-text-too-short"),
        pytest.param("ab*cdef", {(None, "~", "cdef")}, id="free-text-wildcard-run"),
        pytest.param("*", None, id="lone-star"),
        pytest.param(
            '"checkout step 3" OR service:*-3-*',
            {(None, "~", "checkout step 3"), ("service", "~", "-3-")},
            id="text-or-infix",
        ),
        pytest.param("", None, id="match-all"),
    ],
)
def test_guard(query: str, required: set[Requirement] | None) -> None:
    expected = None if required is None else frozenset(required)
    assert guard(parse(query)) == expected


@pytest.mark.parametrize(
    ("query", "blocked_by"),
    [
        pytest.param("-service:a", {("service", "=", "a")}, id="negated-tag"),
        pytest.param("-Service:Web-Store", {("service", "=", "web-store")}, id="folded"),
        pytest.param("-team:STRASSE", {("team", "=", "strasse")}, id="casefold-not-lower"),
        pytest.param("-team:Straße", {("team", "=", "strasse")}, id="casefold-sharp-s"),
        pytest.param('-service:"a*b"', {("service", "=", "a*b")}, id="quoted-star-is-literal"),
        pytest.param("NOT service:a", {("service", "=", "a")}, id="not-keyword"),
        pytest.param("-(service:a)", {("service", "=", "a")}, id="parenthesised"),
        pytest.param(
            "-service:a -env:prod",
            {("service", "=", "a"), ("env", "=", "prod")},
            id="and-unions",
        ),
        pytest.param("-service:a env:*", {("service", "=", "a")}, id="and-with-unblocked-child"),
        pytest.param("-service:a OR -service:b", set(), id="or-without-shared"),
        pytest.param(
            "(-service:a -env:prod) OR (-env:prod -team:x)", {("env", "=", "prod")}, id="or-shares"
        ),
        pytest.param("-env:prod OR service:a", set(), id="or-with-unblocked-branch"),
        pytest.param("service:a", set(), id="term"),
        # Attributes compare as written: only the value spelt exactly so blocks.
        pytest.param("-@service:Web", {("service", "@=", "Web")}, id="attribute-as-written"),
        pytest.param("-@Env:pröd", {("env", "@=", "pröd")}, id="attribute-key-lowered"),
        pytest.param("-service:Web-*", {("service", "^", "web-")}, id="prefix"),
        pytest.param("-service:web-**", {("service", "^", "web-")}, id="prefix-stars"),
        pytest.param("-service:*-Store", {("service", "$", "-store")}, id="suffix"),
        pytest.param("-team:Straße*", {("team", "^", "strasse")}, id="prefix-folded"),
        pytest.param(r"-service:a\*b*", {("service", "^", "a*b")}, id="prefix-escaped-star"),
        pytest.param("-@service:Web-*", {("service", "@^", "Web-")}, id="attribute-prefix"),
        pytest.param("-@service:*-Store", {("service", "@$", "-Store")}, id="attribute-suffix"),
        pytest.param("-service:*", {("service", "^", "")}, id="absent-field"),
        pytest.param("-@service:*", {("service", "^", "")}, id="absent-attribute"),
        pytest.param("-service:web-?", set(), id="question-mark"),
        pytest.param("-service:web-*?", set(), id="star-then-question-mark"),
        pytest.param("-service:*-12-*", set(), id="infix"),
        pytest.param("-service:web*store", set(), id="inner-star"),
        pytest.param("-service:*web*store", set(), id="leading-and-inner-star"),
        pytest.param('-"disk full"', set(), id="free-text"),
        pytest.param("-timeout", set(), id="free-text-word"),
        pytest.param("-time*", set(), id="free-text-wildcard"),
        # De Morgan: -(a OR b) is -a AND -b; -(a AND b) is -a OR -b.
        pytest.param(
            "-service:(a OR B*)",
            {("service", "=", "a"), ("service", "^", "b")},
            id="negated-field-group",
        ),
        pytest.param(
            "-(service:a OR @env:prod OR timeout)",
            {("service", "=", "a"), ("env", "@=", "prod")},
            id="negated-or-skips-undecided",
        ),
        pytest.param("-(service:a team:b)", set(), id="negated-and-without-shared"),
        pytest.param(
            "-((service:a OR team:b) (team:b OR env:c))",
            {("team", "=", "b")},
            id="negated-and-shares",
        ),
        pytest.param("-((service:a team:b) OR (team:b env:c))", set(), id="and-needs-every-child"),
        pytest.param("-(service:a -team:b)", set(), id="negated-and-with-negation"),
        pytest.param(
            "-(service:a OR -(team:b OR env:c))", {("service", "=", "a")}, id="nested-negations"
        ),
        pytest.param("-(-service:a)", set(), id="double-negation"),
        pytest.param("-(-service:a -team:b)", set(), id="negated-and-of-negations"),
        pytest.param("", set(), id="match-all"),
    ],
)
def test_blockers(query: str, blocked_by: set[Blocker]) -> None:
    assert blockers(parse(query)) == frozenset(blocked_by)


def test_index_skips_unguarded_rules_a_blocker_rules_out() -> None:
    queries = [f"-service:svc-{i} -env:prod" for i in range(100)]
    queries[50] = "-service:svc-50"  # no -env:prod: not blocked by it
    queries[70] = "service:svc-70"  # guarded
    index = RuleIndex([parse(q) for q in queries])
    assert list(index.candidates(issue_document(service="x", env="Prod"))) == [50]
    assert list(index.candidates(issue_document(service="svc-70", env="prod"))) == [50, 70]
    assert list(index.candidates(issue_document(service="svc-3", env="dev"))) == [
        i for i in range(100) if i not in (3, 70)
    ]
    assert len(index.candidates(issue_document(service="x"))) == 99
    rules = RuleSet(rule(f"r{i}", q, pos=i) for i, q in enumerate(queries))
    match = rules.first_match(issue_document(service="svc-50", env="prod"))
    assert match is None
    match = rules.first_match(issue_document(service="svc-70", env="prod"))
    assert match is not None and match.index == 50


def test_index_skips_unguarded_rules_an_attribute_or_affix_rules_out() -> None:
    queries = [
        "-service:svc-1-* -@env:prod",  # 0
        "-service:*-store",  # 1
        "-@team:Ops",  # 2
        "-@service:Web-*",  # 3
        "-@service:*-Store",  # 4
        "-service:(a OR svc-2*)",  # 5
        "-(team:x OR env:d*)",  # 6
        "-service:*-1-*",  # 7: an infix, which nothing rules out
        "-env:pro?",  # 8: so does `?`
        "-team:Straße*",  # 9
        "-service:*",  # 10
    ]
    index = RuleIndex([parse(q) for q in queries])

    def candidates(**fields: str) -> list[int]:
        return list(index.candidates(issue_document(**fields)))

    everything = list(range(len(queries)))
    assert candidates(env="prod") == [i for i in everything if i != 0]
    assert candidates(env="Prod") == everything  # @env:prod compares as written
    assert candidates(service="SVC-1-api") == [i for i in everything if i not in (0, 10)]
    assert candidates(service="svc-1") == [i for i in everything if i != 10]  # too short
    assert candidates(service="Web-Store") == [i for i in everything if i not in (1, 3, 4, 10)]
    assert candidates(service="web-store") == [i for i in everything if i not in (1, 10)]
    assert candidates(service="a") == [i for i in everything if i not in (5, 10)]
    assert candidates(service="svc-20") == [i for i in everything if i not in (5, 10)]
    assert candidates(team="OPS") == everything
    assert candidates(team="Ops") == [i for i in everything if i != 2]
    assert candidates(team="STRASSE-1") == [i for i in everything if i != 9]
    assert candidates(env="dev") == [i for i in everything if i != 6]
    assert candidates(team="x", service="svc-1-x") == [1, 2, 3, 4, 5, 7, 8, 9]


PRO_Q = Term("env", "pro?", (3,))


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        pytest.param("-env:pro?", {PRO_Q}, id="question-mark"),
        pytest.param("-Env:pro?", {PRO_Q}, id="key-lowered"),
        pytest.param("-@env:pro?", {Term("env", "pro?", (3,), attribute=True)}, id="attribute"),
        pytest.param("-service:*-1-*", {Term("service", "*-1-*", (0, 4))}, id="infix"),
        pytest.param("-timeout", {Term(None, "timeout")}, id="free-text"),
        pytest.param('-"disk full"', {Term(None, "disk full")}, id="phrase-unquoted"),
        pytest.param("-service:a -env:pro?", {PRO_Q}, id="decided-terms-left-to-the-table"),
        pytest.param("-(env:pro? OR team:o?s)", {PRO_Q, Term("team", "o?s", (1,))}, id="de-morgan"),
        pytest.param("-env:pro? OR -team:o?s", set(), id="or-without-shared"),
        pytest.param("-env:pro? OR (-env:pro? -team:x)", {PRO_Q}, id="or-shared"),
        pytest.param("env:pro?", set(), id="positive"),
        pytest.param("-(-env:pro?)", set(), id="double-negation"),
        pytest.param("-(env:pro? team:x?)", set(), id="negated-and"),
    ],
)
def test_checked_terms(query: str, terms: set[Term]) -> None:
    assert checked_terms(parse(query)) == frozenset(terms)


def _counting(calls: list[Term]) -> Callable[[Node], Predicate]:
    """compile_node, but each predicate records its term when evaluated."""

    def compile_counted(node: Node) -> Predicate:
        inner = compile_node(node)
        assert isinstance(node, Term)

        def predicate(document: Document) -> bool:
            calls.append(node)
            return inner(document)

        return predicate

    return compile_counted


def test_index_skips_unguarded_rules_a_shared_term_rules_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Term] = []
    monkeypatch.setattr("bot.core.rule_shared_terms.compile_node", _counting(calls))
    queries = [f"-service:*-{i}-* -env:pro?" for i in range(10)]
    queries[3] = "-service:*-3-* -Env:pro?"  # the same term
    queries[5] = "-service:*-5-*"  # nothing shared
    queries[6] = "-service:*-6-* -team:o?s -env:prod"
    queries[7] = "service:svc-7"  # guarded
    queries[8] = "-service:*-8-* -team:o?s -env:prod"
    queries[9] = "-service:*-9-* -team:x?"  # a term no other rule has
    index = RuleIndex([parse(q) for q in queries])
    o_s = Term("team", "o?s", (1,))

    def candidates(**fields: str) -> list[int]:
        calls.clear()
        return list(index.candidates(issue_document(**fields)))

    # env:prod rules out 6 and 8, so -team:o?s, which only they share, is not tried.
    assert candidates(env="PROD") == [5, 9]  # -env:pro? is true: it rules out 0-4
    assert calls == [PRO_Q]
    assert candidates(env="dev") == [0, 1, 2, 3, 4, 5, 6, 8, 9]  # both false: nothing out
    assert calls == [PRO_Q, o_s]
    assert candidates(env="dev", team="ops") == [0, 1, 2, 3, 4, 5, 9]  # o?s rules out 6, 8
    # -team:x? is true, but it is one rule's only: that rule is evaluated, not the term.
    assert candidates(env="dev", team="xy") == [0, 1, 2, 3, 4, 5, 6, 8, 9]
    assert calls == [PRO_Q, o_s]
    rules = RuleSet(rule(f"r{i}", q, pos=i) for i, q in enumerate(queries))
    assert rules.first_match(issue_document(env="prod", service="a-5-b", team="xy")) is None
    match = rules.first_match(issue_document(env="prod", service="a-5-b", team="ops"))
    assert match is not None and match.index == 9


def test_a_shared_attribute_term_is_not_the_tag_term() -> None:
    queries = [f"-{key}env:Pro? -service:*-{i}-*" for i, key in enumerate(["@", "@", "", ""])]
    index = RuleIndex([parse(q) for q in queries])
    # env:Pro? folds, so "prod" makes it true; @env:Pro? compares as written, so only "Prod".
    assert list(index.candidates(issue_document(env="prod"))) == [0, 1]
    assert list(index.candidates(issue_document(env="Prod"))) == []
    assert list(index.candidates(issue_document(env="dev"))) == [0, 1, 2, 3]


def test_shared_terms_are_tried_most_rules_first_and_stop_when_all_are_ruled_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Term] = []
    monkeypatch.setattr("bot.core.rule_shared_terms.compile_node", _counting(calls))
    team, env, alone = Term("team", "o?s", (1,)), PRO_Q, Term(None, "timeout")
    shared = SharedTerms([(0, {team, alone}), (1, {team, env}), (2, {env}), (3, {env})])
    assert len(shared) == 2  # `alone` is in one rule only: never evaluated up front
    prod_ops = issue_document(env="prod", team="ops", title="timeout")
    assert shared.remaining(prod_ops, 0b1111) == 0b0000
    assert calls == [env, team]
    calls.clear()
    assert shared.remaining(prod_ops, 0b1110) == 0  # nothing left after env: team not tried
    assert calls == [env]
    calls.clear()
    assert shared.remaining(prod_ops, 0b0001) == 0  # env rules out none of these: not tried
    assert calls == [team]
    calls.clear()
    assert shared.remaining(issue_document(env="dev", team="ops"), 0b1111) == 0b1100
    assert shared.remaining(issue_document(env="dev"), 0b1111) == 0b1111
    assert not SharedTerms([(0, {alone}), (1, {team})])


def test_index_files_a_rule_under_its_rarest_requirement() -> None:
    nodes = [parse(f"service:(s{i} OR s{i}-canary) env:prod") for i in range(50)]
    index = RuleIndex(nodes)
    prod_s7 = issue_document(service="s7", env="prod")
    assert list(index.candidates(prod_s7)) == [7]
    assert list(index.candidates(issue_document(env="prod"))) == []


def test_index_finds_wildcard_rules_by_prefix_and_suffix() -> None:
    queries = ["service:web-*", "service:api", "service:web*", "-x:y", "service:*store"]
    index = RuleIndex([parse(q) for q in queries])
    assert list(index.candidates(issue_document(service="web-store"))) == [0, 2, 3, 4]
    assert list(index.candidates(issue_document(service="we"))) == [3]
    assert list(index.candidates(issue_document(service="store"))) == [3, 4]


def test_index_finds_phrases_and_infixes_by_their_rarest_piece() -> None:
    nodes = [parse(f'"checkout step {i}" OR service:*-{i}-*') for i in range(50)]
    index = RuleIndex(nodes)
    # "checkout step 7" is filed under "p 7", which no other rule's phrase has.
    assert list(index.candidates(issue_document(title="Failed at Checkout Step 7"))) == [7]
    assert list(index.candidates(issue_document(title="checkout step"))) == []
    assert list(index.candidates(issue_document(service="svc-12-api"))) == [12]
    assert list(index.candidates(issue_document(service="svc-12-3-x"))) == [3, 12]
    both = issue_document(service="a-40-b", title="checkout step 9, then checkout step 41")
    # Rule 4 is filed under "p 4" (rules 40-49 share it too), which "step 41" contains.
    assert list(index.candidates(both)) == [4, 9, 40, 41]
    assert list(index.candidates(issue_document(service="svc-x-api", title="TIMEOUT"))) == []


def test_every_piece_of_a_long_or_short_text_is_looked_up() -> None:
    index = RuleIndex([parse('"checkout step 7"'), parse("service:*-12-*"), parse('"abc"')])
    filler = "x" * 5000  # longer than the slices made up front
    message = f"{filler} Checkout Step 7 {filler}"
    assert list(index.candidates(issue_document(message=message))) == [0]
    assert list(index.candidates(issue_document(message=f"{filler}ABC"))) == [2]
    assert list(index.candidates(issue_document(service=f"{filler}-12-"))) == [1]
    assert list(index.candidates(issue_document(title="ab", service="-1"))) == []
    assert list(index.candidates(issue_document(title="abc", service="-12-"))) == [1, 2]


def test_free_text_requirements_do_not_look_at_fields() -> None:
    index = RuleIndex([parse('"disk full"'), parse("service:*disk*")])
    assert list(index.candidates(issue_document(service="disk full"))) == [1]
    assert list(index.candidates(issue_document(message="Disk full on /var"))) == [0]


def test_short_literals_and_negations_stay_unguarded() -> None:
    index = RuleIndex([parse('"ab"'), parse("service:*-1-*"), parse("-env:prod")])
    assert list(index.candidates(issue_document(service="x"))) == [0, 2]
    assert list(index.candidates(issue_document(service="a-1-b"))) == [0, 1, 2]


def test_attribute_rules_are_filed_under_the_folded_value() -> None:
    index = RuleIndex([parse("@team:Ops"), parse("team:ops")])
    assert list(index.candidates(issue_document(team="x"))) == []
    assert list(index.candidates(issue_document(team="OPS"))) == [0, 1]
    rules = RuleSet([rule("exact", "@team:Ops", pos=1), rule("any", "team:ops", pos=2)])
    match = rules.first_match(issue_document(team="OPS"))
    assert match is not None and match.rule.id == "any"
    match = rules.first_match(issue_document(team="Ops"))
    assert match is not None and match.rule.id == "exact"


# Rule queries over a small vocabulary, so that random issues often match.
SERVICES = ["web-store", "api", "worker", "w"]
TEAMS = ["Shopist", "ops", "payments"]
CASES: st.SearchStrategy[Callable[[str], str]] = st.sampled_from(
    [str, str.upper, str.lower, str.swapcase]
)
ATOMS = st.one_of(
    st.sampled_from(SERVICES).map(lambda s: f"service:{s}"),
    st.sampled_from(TEAMS).map(lambda t: f"team:{t}"),
    st.sampled_from(
        [
            "service:w*",
            "service:web-*",
            "service:*e",
            "team:Sho*",
            "team:*s",
            "team:*o*",
            "timeout",
            "@team:ops",
            "-team:ops",
            "-@team:ops",
            "-service:w*",
        ]
    ),
)
# Values of the issues below, and what rule terms are made of: a whole value in
# any case, or a prefix, suffix, `?` or inner `*` pattern cut from one.
FIELD_VALUES = {"service": [*SERVICES, "Web-Store"], "team": [*TEAMS, "Straße"], "env": ["prod"]}


SHAPES = ["exact", "prefix", "suffix", "stars", "question", "prefix-question"]
SHAPES += ["question-suffix", "star-question", "inner", "inner-end", "start-inner", "infix"]


def _pattern_for(key: str) -> st.SearchStrategy[str]:
    """A value for `key`: exact, pure prefix or suffix (blockers), or one nothing decides."""

    def cut(known_at: tuple[str, int, str]) -> str:
        known, at, shape = known_at
        return {
            "exact": known,
            "prefix": f"{known[:at]}*",
            "suffix": f"*{known[at:]}",
            "stars": f"{known[:at]}**",
            "question": f"{known[:at]}?{known[at + 1 :]}",
            "prefix-question": f"{known[:at]}?",
            "question-suffix": f"?{known[at:]}",
            "star-question": f"{known[:at]}*?",
            "inner": f"{known[:at]}*{known[at + 1 :]}",
            "inner-end": f"{known[:at]}*{known[at + 1 : at + 3]}*",
            "start-inner": f"*{known[max(at - 3, 0) : max(at - 1, 0)]}*{known[at:]}",
            "infix": f"*{known[at : at + 2]}*",
        }[shape]

    known = st.tuples(st.sampled_from(FIELD_VALUES[key]), CASES).map(lambda vc: vc[1](vc[0]))
    return st.tuples(
        known,
        st.integers(0, 10),
        st.sampled_from(SHAPES),
    ).map(lambda kas: cut((kas[0], kas[1] % (len(kas[0]) + 1), kas[2])))


KEYED_VALUES = st.sampled_from(sorted(FIELD_VALUES)).flatmap(
    lambda key: st.tuples(st.just(key), st.booleans(), st.lists(_pattern_for(key), min_size=1))
)
# `key:v`, `@key:v` or, with several values, `key:(v1 OR v2)`.
FIELD_TERMS_OR_GROUPS = KEYED_VALUES.map(
    lambda kav: (
        f"{'@' if kav[1] else ''}{kav[0]}:"
        + (kav[2][0] if len(kav[2]) == 1 else f"({' OR '.join(kav[2][:3])})")
    )
)
# Negations: of exact tags in any case, of attributes (which compare as written), of prefix
# and suffix wildcards (blockers all), of `?`, infix and free-text terms (which no value
# decides), of `key:(a OR b)` groups and of ORs, which De Morgan turns into blockers.
NEGATIONS = st.one_of(
    st.tuples(st.sampled_from(SERVICES), CASES).map(lambda sc: f"-service:{sc[1](sc[0])}"),
    st.tuples(st.sampled_from(TEAMS), CASES).map(lambda tc: f"-team:{tc[1](tc[0])}"),
    st.sampled_from(["-team:strasse", "-team:STRAßE", "-env:prod", "-env:PROD"]),
    st.sampled_from(["-@team:ops", "-@team:OPS", "-@env:prod", "-service:web-*", "-team:o?s"]),
    st.sampled_from(["-timeout", "-time*", "-service:*", "-@team:*"]),
    FIELD_TERMS_OR_GROUPS.map(lambda t: f"-{t}"),
    FIELD_TERMS_OR_GROUPS.map(lambda t: f"-{t}"),
    st.tuples(FIELD_TERMS_OR_GROUPS, st.one_of(FIELD_TERMS_OR_GROUPS, ATOMS)).map(
        lambda ab: f"-({ab[0]} OR {ab[1]})"
    ),
)


def _combined(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, inner).map(lambda ab: f"{ab[0]} {ab[1]}"),
        st.tuples(inner, inner).map(lambda ab: f"({ab[0]} OR {ab[1]})"),
        inner.map(lambda a: f"-({a})"),
    )


# Negations no value decides (`?`, infix and inner `*`, free text), from a pool small enough
# that several rules of one set share them: the index evaluates such a shared term once. The
# same terms un-negated (which rule nothing out when true) share them too.
UNDECIDED_TERMS = [
    "-(-env:pro?)",
    "service:*-*",
    "(-team:x team:o?s)",
    "-env:pro?",
    "-Env:pro?",
    "-env:PRO?",
    "-env:Pro?",
    "-@env:Pro?",
    "-service:*-*",
    "-service:w*r*",
    "-service:?pi",
    "-team:o?s",
    "-team:*a?*",
    "-timeout",
    '-"in check"',
    "-time*",
    "-(env:pro? OR team:o?s)",
    "-(service:*-* OR timeout)",
]
UNDECIDED = st.sampled_from(UNDECIDED_TERMS)
RULE_QUERIES = st.one_of(
    st.recursive(st.one_of(ATOMS, NEGATIONS), _combined, max_leaves=5),
    # Mostly negations: unguarded rules, often with blockers, ANDed and ORed.
    st.recursive(st.one_of(NEGATIONS, NEGATIONS, ATOMS), _combined, max_leaves=4),
    st.recursive(st.one_of(UNDECIDED, UNDECIDED, NEGATIONS, ATOMS), _combined, max_leaves=4),
)
ISSUES = st.builds(
    lambda service, teams, env, title: issue_document(
        service=service, team=teams, env=env, title=title
    ),
    st.sampled_from([*SERVICES, "API", "Web-Store", None]),
    st.lists(st.sampled_from([*TEAMS, "OPS", "Straße", "STRASSE"]), max_size=2),
    st.sampled_from(["prod", "Prod", "PROD", None]),
    st.sampled_from(["", "Timeout in checkout"]),
)


def _naive_first(queries: list[str], document: Document) -> int | None:
    for i, query in enumerate(queries):
        if compile_query(query).matches(document):
            return i
    return None


# Rule sets drawn from RULE_QUERIES, or built around one to three undecided terms of the pool,
# so that most rules share at least one of them.
RULE_SETS = st.one_of(
    st.lists(RULE_QUERIES, max_size=12),
    st.lists(UNDECIDED, min_size=1, max_size=3).flatmap(
        lambda pool: st.lists(
            st.recursive(
                st.one_of(st.sampled_from(pool), st.sampled_from(pool), NEGATIONS, ATOMS),
                _combined,
                max_leaves=4,
            ),
            min_size=2,
            max_size=12,
        )
    ),
)


@settings(max_examples=400)
@given(RULE_SETS, st.lists(ISSUES, min_size=1, max_size=4))
def test_indexed_first_match_equals_evaluating_every_rule_in_order(
    queries: list[str], documents: list[Document]
) -> None:
    rules = RuleSet(rule(f"r{i}", q, pos=i) for i, q in enumerate(queries))
    for document in documents:
        match = rules.first_match(document)
        expected = _naive_first(queries, document)
        assert (None if match is None else match.index) == expected
        explained = rules.explain(document).match
        assert (None if explained is None else explained.index) == expected


# Queries and documents built from the same few pieces, so that phrases, infix
# wildcards and `?` often match; "ß"/"SS" and "İ" fold to other lengths.
PIECES = ["ab", "abc", "b-1", "-1-", "ß", "SS", "İ", "i", "xyz", "Q"]
WORDS = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join)
WILD = st.sampled_from(["*", "?", "**", "*?"])
PATTERNS = st.one_of(
    st.lists(st.one_of(st.sampled_from(PIECES), WILD), min_size=1, max_size=5).map("".join),
    st.tuples(st.one_of(WILD, WORDS), WILD, WORDS, WILD, st.one_of(WILD, WORDS)).map("".join),
)
KEYS = st.sampled_from(["service", "Team", "@service", "@team"])
FIELD_TERMS = st.tuples(KEYS, st.one_of(WORDS, PATTERNS)).map(lambda kv: f"{kv[0]}:{kv[1]}")
TERMS = st.one_of(
    FIELD_TERMS,
    FIELD_TERMS,
    st.lists(WORDS, min_size=1, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    WORDS,
    PATTERNS,
)
GENERAL_QUERIES = st.recursive(
    TERMS,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda ab: f"({ab[0]} {ab[1]})"),
        st.tuples(inner, inner).map(lambda ab: f"({ab[0]} OR {ab[1]})"),
        inner.map(lambda a: f"-({a})"),
    ),
    max_leaves=6,
)


def _terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return _terms(node.operand)
    if isinstance(node, And | Or):
        return [term for child in node.operands for term in _terms(child)]
    return []


def _instance(term: Term, data: st.DataObject) -> str:
    """A value `term` may well match: wildcards filled in, case changed, maybe embedded."""
    wild = set(term.wildcards)
    out = []
    for i, ch in enumerate(term.value):
        if i not in wild:
            out.append(ch)
        elif ch == "*":
            out.append(data.draw(st.sampled_from(["", "a", "b-1", "ßx"])))
        else:
            out.append(data.draw(st.sampled_from(["a", "-", "ß", "İ"])))
    value = data.draw(CASES)("".join(out))
    if term.key is None:
        before, after = data.draw(st.sampled_from(["", "ab ", "x"])), data.draw(TEXTS)
        value = f"{before}{value} {after}" if after else f"{before}{value}"
    return value


TEXTS = st.lists(WORDS, max_size=3).map(" ".join)


@settings(max_examples=500)
@given(st.lists(st.one_of(TERMS, GENERAL_QUERIES), min_size=1, max_size=10), st.data())
def test_candidates_include_every_matching_rule(queries: list[str], data: st.DataObject) -> None:
    nodes = [parse(q) for q in queries]
    index = RuleIndex(nodes)
    rules = RuleSet(rule(f"r{i}", q, pos=i) for i, q in enumerate(queries))
    predicates = [compile_query(q) for q in queries]
    terms = [term for node in nodes for term in _terms(node)]
    for _ in range(data.draw(st.integers(1, 4))):
        fields: dict[str, list[str]] = {"service": [], "team": []}
        texts: list[str] = [data.draw(TEXTS)]
        for term in data.draw(st.lists(st.sampled_from(terms), max_size=6)):
            value = _instance(term, data)
            if term.key is None:
                texts.append(value)
            else:
                fields[term.key.lower()].append(value)
        document = Document.of(fields, text=[t for t in texts if t])
        candidates = list(index.candidates(document))
        assert candidates == sorted(set(candidates))
        matching = [i for i, query in enumerate(predicates) if query.matches(document)]
        assert set(matching) <= set(candidates)
        match = rules.first_match(document)
        assert (None if match is None else match.index) == (matching[0] if matching else None)
