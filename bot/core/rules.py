"""Ordered automation rules for error-tracking issues: the first match wins.

A rule routes a new issue to a project (and may open a case at once) when its
query matches the issue. `RuleSet` compiles an ordered list once; after that
`first_match` answers for one issue without evaluating most rules: each rule
is filed (`bot.core.rule_index`) under what it cannot match without (for
`service:web-store team:Shopist` that is `service:web-store`; for
`"checkout step 12" OR service:*-12-*` a piece of each literal), and only
rules whose requirements the issue meets — plus rules with none, unless the
issue carries a value that rules them out (`env:prod` for
`-service:web-store -env:prod`, a service starting with `web-` for
`-service:web-* -team:ops`), or a negated term no value decides that several
of them share is true for it (`env:pro?` for rules that all say `-env:pro?`,
evaluated once) — are evaluated, still in rule order, so the answer is
exactly the naive one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.query import (
    Document,
    Node,
    Predicate,
    QuerySyntaxError,
    Trace,
    compile_node,
    explain,
    parse,
)
from bot.core.rule_index import RuleIndex


@dataclass(frozen=True, slots=True)
class Rule:
    """One automation rule. `position` orders rules (lowest first)."""

    id: str
    query: str
    project_id: str
    auto_create: bool = False
    position: int = 0


@dataclass(frozen=True, slots=True)
class Match:
    """The rule that applies to an issue, and its place (0-based) in rule order."""

    rule: Rule
    index: int

    @property
    def project_id(self) -> str:
        return self.rule.project_id

    @property
    def auto_create(self) -> bool:
        return self.rule.auto_create


class RuleError(ValueError):
    """A rule whose query cannot be read, or a rule set that is not a list of distinct rules."""

    def __init__(self, rule_id: str, message: str, syntax: QuerySyntaxError | None = None):
        super().__init__(f"rule {rule_id}: {message}")
        self.rule_id = rule_id
        self.syntax = syntax


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    """One rule's result for one issue, with each clause's result in `trace`."""

    rule: Rule
    index: int
    matched: bool
    trace: Trace


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every rule's verdict in order, and the match that applies (the first one)."""

    verdicts: tuple[RuleVerdict, ...]
    match: Match | None

    def lines(self) -> list[str]:
        """Human-readable lines: one header per rule, then its clauses indented."""
        out: list[str] = []
        for verdict in self.verdicts:
            rule = verdict.rule
            label = "matches" if verdict.matched else "does not match"
            if self.match is not None and verdict.index == self.match.index:
                label = "matches (first match: this rule applies)"
            auto = ", auto-create" if rule.auto_create else ""
            out.append(
                f"{verdict.index + 1}. rule {rule.id} -> project {rule.project_id}{auto}: {label}"
            )
            out.extend(verdict.trace.lines(indent=1))
        if self.match is None:
            out.append("no rule matches")
        return out


def check_query(rule_id: str, query: str) -> Node:
    """Parse one rule's query, raising RuleError that names the rule and the column."""
    try:
        return parse(query)
    except QuerySyntaxError as error:
        raise RuleError(rule_id, error.message, error) from error


class RuleSet:
    """Rules compiled once, in order; `first_match` is safe to call from many threads."""

    __slots__ = ("_index", "_matches", "_nodes", "_predicates", "rules")

    def __init__(self, rules: Iterable[Rule]) -> None:
        ordered = sorted(rules, key=lambda rule: rule.position)
        seen: set[str] = set()
        for rule in ordered:
            if rule.id in seen:
                raise RuleError(rule.id, "appears twice in the rule list")
            seen.add(rule.id)
        self.rules: tuple[Rule, ...] = tuple(ordered)
        self._nodes: tuple[Node, ...] = tuple(check_query(r.id, r.query) for r in ordered)
        self._predicates: tuple[Predicate, ...] = tuple(compile_node(n) for n in self._nodes)
        self._matches = tuple(Match(rule, i) for i, rule in enumerate(ordered))
        self._index = RuleIndex(self._nodes)

    def __len__(self) -> int:
        return len(self.rules)

    def first_match(self, document: Document) -> Match | None:
        """The first rule, in order, whose query matches `document`."""
        predicates = self._predicates
        for i in self._index.candidates(document):
            if predicates[i](document):
                return self._matches[i]
        return None

    def explain(self, document: Document) -> Explanation:
        """Every rule's result and each clause's, in order, without the index's shortcuts."""
        verdicts = []
        for i, (rule, node) in enumerate(zip(self.rules, self._nodes, strict=True)):
            trace = explain(node, document)
            verdicts.append(RuleVerdict(rule, i, trace.result, trace))
        first = next((v for v in verdicts if v.matched), None)
        match = None if first is None else self._matches[first.index]
        return Explanation(tuple(verdicts), match)
