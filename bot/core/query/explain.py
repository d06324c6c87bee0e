"""Why a query did or did not match: every clause with its own result."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.query.compiler import compile_term
from bot.core.query.document import Document
from bot.core.query.nodes import And, MatchAll, Node, Not, Or, Term
from bot.core.query.printer import to_query


@dataclass(frozen=True, slots=True)
class Trace:
    """One clause of a query, its result for one document, and its sub-clauses.

    Unlike matching, explaining evaluates every clause (no short-circuit), so
    a reader sees each one's result.
    """

    node: Node
    text: str
    result: bool
    children: tuple[Trace, ...] = ()

    def lines(self, indent: int = 0) -> list[str]:
        """`text  -> true|false` per clause, children indented under their parent."""
        label = "matches" if self.result else "does not match"
        out = [f"{'  ' * indent}{self.text}  -> {label}"]
        for child in self.children:
            out.extend(child.lines(indent + 1))
        return out


def explain(node: Node, document: Document) -> Trace:
    """Evaluate `node` against `document`, keeping every clause's result."""
    if isinstance(node, Term):
        return Trace(node, to_query(node), compile_term(node)(document))
    if isinstance(node, Not):
        inner = explain(node.operand, document)
        return Trace(node, to_query(node), not inner.result, (inner,))
    if isinstance(node, And):
        parts = tuple(explain(child, document) for child in node.operands)
        return Trace(node, _label("all of", node), all(p.result for p in parts), parts)
    if isinstance(node, Or):
        parts = tuple(explain(child, document) for child in node.operands)
        return Trace(node, _label("any of", node), any(p.result for p in parts), parts)
    if isinstance(node, MatchAll):
        return Trace(node, "(empty query: everything)", True)
    raise TypeError(f"not a query node: {node!r}")


def _label(kind: str, node: Node) -> str:
    return f"{kind}: {to_query(node)}"
