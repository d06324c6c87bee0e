"""Automation rules: first match among 1,000 rules for one issue.

Prints, per scenario, the time of one `RuleSet.first_match` (rules compiled
once, term index on), of the same compiled predicates tried in order without
the index, and of the naive baseline measured in the same run: interpreting
every rule's parsed tree in order. Then the cost of compiling 1,000 rules.

    .venv/bin/python bench/rules.py
"""

from __future__ import annotations

import re
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.issues import issue_document
from bot.core.query import And, Document, MatchAll, Node, Not, Or, Term, compile_node, parse
from bot.core.rules import Match, Rule, RuleSet

N = 1000
TARGET_US = 100.0


def routed_rules() -> list[Rule]:
    """Typical rules: one service, often narrowed by team or excluding one."""
    rules = []
    for i in range(N):
        shape = i % 4
        if shape == 0:
            query = f"service:svc-{i} team:team-{i % 40}"
        elif shape == 1:
            query = f"service:svc-{i} -team:team-{i % 40}"
        elif shape == 2:
            query = f"service:(svc-{i} OR svc-{i}-canary) env:prod"
        else:
            query = f"service:svc-{i} AND (team:team-{i % 40} OR team:platform)"
        rules.append(Rule(f"r{i}", query, f"P{i % 20}", i % 2 == 0, i))
    return rules


def wildcard_rules() -> list[Rule]:
    """Wildcard rules with a literal prefix: the index files them by that prefix."""
    return [
        Rule(f"w{i}", f"service:svc-{i}-* -team:team-{i % 40}", f"P{i % 20}", False, i)
        for i in range(N)
    ]


def suffix_rules() -> list[Rule]:
    """Wildcard rules with only a literal suffix: filed by that suffix."""
    return [
        Rule(f"s{i}", f"service:*-{i} -team:team-{i % 40}", f"P{i % 20}", False, i)
        for i in range(N)
    ]


def infix_rules() -> list[Rule]:
    """Free-text phrases or wildcards at both ends: filed by a piece of their literal."""
    return [
        Rule(f"u{i}", f'"checkout step {i}" OR service:*-{i}-*', f"P{i % 20}", False, i)
        for i in range(N)
    ]


def unguarded_rules() -> list[Rule]:
    """Negations only: no rule requires anything; `env:prod` on the issue rules all of them out."""
    return [Rule(f"n{i}", f"-service:svc-{i} -env:prod", f"P{i % 20}", False, i) for i in range(N)]


def unblocked_rules() -> list[Rule]:
    """Negations of a wildcard prefix and of an attribute: `env` "prod" rules all of them out."""
    return [
        Rule(f"b{i}", f"-service:svc-{i}-* -@env:prod", f"P{i % 20}", False, i) for i in range(N)
    ]


def undecidable_rules() -> list[Rule]:
    """Negations that no value on an issue settles (infix, `?`), `-env:pro?` in every rule.

    The index evaluates that shared `-env:pro?` once: true for env "prod", it rules out all 1,000.
    """
    return [Rule(f"d{i}", f"-service:*-{i}-* -env:pro?", f"P{i % 20}", False, i) for i in range(N)]


def distinct_undecidable_rules() -> list[Rule]:
    """Undecided negations that no two rules share: nothing rules any rule out, all are tried.

    `error.type:*` (no issue here has one) fails each rule after both negations are evaluated,
    so every rule costs what a negation-only rule that nothing rules out costs.
    """
    return [
        Rule(f"e{i}", f"-service:*-{i}-* -env:pro?{i} error.type:*", f"P{i % 20}", False, i)
        for i in range(N)
    ]


# About 1,000 characters of error message, with no "checkout step N" in it.
LONG_MESSAGE = " ".join(
    f"TimeoutError: upstream call {n} to payment-gateway timed out after 30s (attempt {n % 7});"
    for n in range(14)
)[:1000]


def issue(service: str, team: str, message: str = "") -> Document:
    return issue_document(
        service=service, team=team, env="prod", title="TimeoutError in checkout", message=message
    )


# --- The naive baseline: walk each rule's tree, fold strings at every comparison.


def _pattern(term: Term) -> str:
    wild = set(term.wildcards)
    return "".join(
        (".*" if ch == "*" else ".") if i in wild else re.escape(ch.casefold())
        for i, ch in enumerate(term.value)
    )


def interpret(node: Node, doc: Document) -> bool:
    if isinstance(node, Term):
        if node.key is None:
            return any(node.value.casefold() in text.casefold() for text in doc.text)
        values = doc.fields.get(node.key.lower(), ())
        if node.wildcards:
            return any(re.fullmatch(_pattern(node), v.casefold()) for v in values)
        return any(v.casefold() == node.value.casefold() for v in values)
    if isinstance(node, Not):
        return not interpret(node.operand, doc)
    if isinstance(node, And):
        return all(interpret(child, doc) for child in node.operands)
    if isinstance(node, Or):
        return any(interpret(child, doc) for child in node.operands)
    assert isinstance(node, MatchAll)
    return True


def naive_first(trees: list[Node], doc: Document) -> int | None:
    for i, tree in enumerate(trees):
        if interpret(tree, doc):
            return i
    return None


def per_call_us(fn: Callable[[], object]) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    best = min(timer.repeat(repeat=5, number=number))
    return best / number * 1e6


def scenario(name: str, rules: list[Rule], doc: Document) -> tuple[str, ...]:
    rule_set = RuleSet(rules)
    trees = [parse(rule.query) for rule in rules]
    predicates = [compile_node(tree) for tree in trees]

    def unindexed() -> int | None:
        for i, predicate in enumerate(predicates):
            if predicate(doc):
                return i
        return None

    match: Match | None = rule_set.first_match(doc)
    found = None if match is None else match.index
    assert found == naive_first(trees, doc) == unindexed(), name
    indexed_us = per_call_us(lambda: rule_set.first_match(doc))
    compiled_us = per_call_us(unindexed)
    naive_us = per_call_us(lambda: naive_first(trees, doc))
    return (
        name,
        "none" if found is None else str(found + 1),
        f"{indexed_us:8.2f}",
        f"{1e6 / indexed_us:12,.0f}",
        f"{compiled_us:8.1f}",
        f"{naive_us:8.1f}",
        f"{naive_us / indexed_us:7.0f}x",
        "yes" if indexed_us < TARGET_US else "NO",
    )


def compile_cost(rules: list[Rule]) -> tuple[float, float]:
    """Seconds to build a RuleSet from text (parse cache emptied), and to parse only."""
    best_build = best_parse = float("inf")
    for _ in range(5):
        parse.cache_clear()
        start = time.perf_counter()
        RuleSet(rules)
        best_build = min(best_build, time.perf_counter() - start)
        parse.cache_clear()
        start = time.perf_counter()
        for rule in rules:
            parse(rule.query)
        best_parse = min(best_parse, time.perf_counter() - start)
    return best_build, best_parse


def main() -> None:
    routed, wild, suffix, bare, negated, unblocked, undecidable, distinct = (
        routed_rules(),
        wildcard_rules(),
        suffix_rules(),
        infix_rules(),
        unguarded_rules(),
        unblocked_rules(),
        undecidable_rules(),
        distinct_undecidable_rules(),
    )
    assert len(LONG_MESSAGE) == 1000
    rows = [
        scenario("routed, match at rule 500", routed, issue("svc-500", "team-20")),
        scenario("routed, match at last rule", routed, issue("svc-999", "platform")),
        scenario("routed, no match", routed, issue("unknown", "team-1")),
        scenario("prefixes, match at last rule", wild, issue("svc-999-api", "x")),
        scenario("prefixes, no match", wild, issue("unknown", "x")),
        scenario("suffixes, match at last rule", suffix, issue("svc-999", "x")),
        scenario("suffixes, no match", suffix, issue("unknown", "x")),
        scenario("phrases/infixes, match at last rule", bare, issue("svc-999-api", "x")),
        scenario("phrases/infixes, no match", bare, issue("unknown", "x")),
        # Every 3-character piece of the 1,000-character message is looked up.
        scenario("phrases/infixes, 1,000-char message", bare, issue("unknown", "x", LONG_MESSAGE)),
        # Every issue here has env:prod, which rules out all 1,000 rules before evaluation.
        scenario("unguarded (negations), no match", negated, issue("unknown", "x")),
        # `-service:svc-N-* -@env:prod`: env "prod", as written, rules out all 1,000 unevaluated.
        scenario("unguarded (prefix, @attribute), no match", unblocked, issue("unknown", "x")),
        # `-service:*-N-* -env:pro?`: no value decides either negation, but all 1,000 share
        # `-env:pro?`, evaluated once: true for env "prod", it rules out every rule.
        scenario("unguarded, shared undecided term, no match", undecidable, issue("unknown", "x")),
        # `-service:*-N-* -env:pro?N error.type:*`: no negation decided or shared: all 1,000 tried.
        scenario("unguarded, nothing shared or decided, no match", distinct, issue("unknown", "x")),
    ]
    header = (
        "scenario (1,000 rules)",
        "match",
        "µs/issue",
        "matches/s",
        "no-index µs",
        "naive µs",
        "vs naive",
        f"<{TARGET_US:.0f}µs",
    )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).rjust(w) for cell, w in zip(row, widths, strict=True)))
    build_time = per_call_us(lambda: issue("svc-500", "team-20"))
    print(f"\nbuilding one issue document: {build_time:.2f} µs (not included above)")
    sets = {
        "routed": routed,
        "prefix": wild,
        "suffix": suffix,
        "phrase/infix": bare,
        "negation-only": negated,
        "prefix/@attribute negation-only": unblocked,
        "shared undecided negation-only": undecidable,
        "distinct undecided negation": distinct,
    }
    for name, rules in sets.items():
        build, parse_only = compile_cost(rules)
        print(
            f"compiling 1,000 {name} rules: {build * 1e3:.1f} ms "
            f"(parsing alone, the naive baseline's only set-up: {parse_only * 1e3:.1f} ms)"
        )


if __name__ == "__main__":
    main()
