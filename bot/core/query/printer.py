"""Nodes -> query text that parses back to an equal tree."""

from __future__ import annotations

from bot.core.query.lexer import KEYWORDS
from bot.core.query.nodes import And, MatchAll, Node, Not, Or, Term

# Characters that end or change a word; they are escaped when printed.
_SPECIAL = set('()"\\:*?')

_OR, _AND, _NOT, _ATOM = 1, 2, 3, 4


def to_query(node: Node) -> str:
    """Print `node` in the query language, with the fewest parentheses that keep it."""
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Not):
        return "-" + _child(node.operand, _NOT)
    if isinstance(node, And):
        return " ".join(_child(child, _AND) for child in node.operands)
    if isinstance(node, Or):
        return " OR ".join(_child(child, _OR) for child in node.operands)
    if isinstance(node, MatchAll):
        return ""
    raise TypeError(f"not a query node: {node!r}")


def _precedence(node: Node) -> int:
    if isinstance(node, Or):
        return _OR
    if isinstance(node, And):
        return _AND
    if isinstance(node, Not):
        return _NOT
    return _ATOM


def _child(node: Node, parent: int) -> str:
    text = to_query(node)
    # Equal precedence also needs parentheses: the parser flattens `a OR b OR c`,
    # so a nested Or can only have come from written parentheses.
    if _precedence(node) <= parent and not isinstance(node, Not):
        return f"({text})"
    return text


def _term(term: Term) -> str:
    prefix = ""
    if term.key is not None:
        prefix = ("@" if term.attribute else "") + _escape_key(term.key) + ":"
    if term.quoted or (not term.value and term.key is not None):
        escaped = term.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{prefix}"{escaped}"'
    return prefix + _escape_value(term, bare=term.key is None)


def _escape_key(key: str) -> str:
    out = "".join("\\" + ch if ch in _SPECIAL or ch.isspace() else ch for ch in key)
    return "\\" + out if out.startswith(("@", "-")) else out


def _escape_value(term: Term, *, bare: bool) -> str:
    wild = set(term.wildcards)
    out: list[str] = []
    for i, ch in enumerate(term.value):
        if i not in wild and (ch in _SPECIAL or ch.isspace()):
            out.append("\\" + ch)
        else:
            out.append(ch)
    text = "".join(out)
    if bare and (text in KEYWORDS or text.startswith("-")):
        text = "\\" + text
    return text
