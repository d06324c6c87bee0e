"""The search and rule query language.

    status:open priority:(P1 OR P2) project:OPS "disk full" -team:x

`parse(text)` gives a tree of frozen nodes with source positions or raises
`QuerySyntaxError(position, expected, message)`; `compile_query(text)`
parses and compiles once into a `Query` whose `matches(document)` is a chain
of closures. `to_query(node)` prints a tree back as text. docs/queries.md
describes the language for its users.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.query.compiler import Predicate, compile_node
from bot.core.query.document import Document, FieldValue
from bot.core.query.errors import QuerySyntaxError
from bot.core.query.explain import Trace, explain
from bot.core.query.nodes import And, MatchAll, Node, Not, Or, Term
from bot.core.query.parser import MAX_DEPTH, parse
from bot.core.query.printer import to_query


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed and compiled query."""

    text: str
    node: Node
    predicate: Predicate = field(repr=False, compare=False)

    def matches(self, document: Document) -> bool:
        return self.predicate(document)

    def explain(self, document: Document) -> Trace:
        return explain(self.node, document)


def compile_query(text: str) -> Query:
    """Parse and compile `text`; raises QuerySyntaxError."""
    node = parse(text)
    return Query(text, node, compile_node(node))


__all__ = [
    "MAX_DEPTH",
    "And",
    "Document",
    "FieldValue",
    "MatchAll",
    "Node",
    "Not",
    "Or",
    "Predicate",
    "Query",
    "QuerySyntaxError",
    "Term",
    "Trace",
    "compile_node",
    "compile_query",
    "explain",
    "parse",
    "to_query",
]
