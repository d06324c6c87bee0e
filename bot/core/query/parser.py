"""Tokens -> nodes, by recursive descent.

    query   := or? END
    or      := and ("OR" and)*
    and     := unary ("AND"? unary)*        # whitespace is an implicit AND
    unary   := ("-" | "NOT") unary | primary
    primary := "(" or ")" | FIELD "(" or ")" | TERM

Precedence is NOT > AND > OR. Inside `key:( … )` every bare value takes that
key: `status:(open OR "in progress")` is `status:open OR status:"in progress"`.
"""

from __future__ import annotations

from functools import lru_cache

from bot.core.query.errors import QuerySyntaxError
from bot.core.query.lexer import Kind, Token, tokenize
from bot.core.query.nodes import And, MatchAll, Node, Not, Or, Term

# Parentheses and negations nest at most this deep, so that no query can
# exhaust the interpreter's stack while being parsed, printed or compiled.
MAX_DEPTH = 64

_TERM_STARTS = (Kind.TERM, Kind.FIELD, Kind.LPAREN, Kind.MINUS, Kind.NOT)


@lru_cache(maxsize=1024)
def parse(text: str) -> Node:
    """Parse `text`; the empty (or all-blank) query is MatchAll.

    Raises QuerySyntaxError naming the column and the expected token.
    """
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def kind(self) -> Kind:
        # A method, not an attribute chain, so type checkers do not narrow it
        # across calls that advance the parser.
        return self.tokens[self.index].kind

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def query(self) -> Node:
        if self.kind() is Kind.END:
            return MatchAll(0, len(self.text))
        node = self.or_(None)
        if self.kind() is Kind.RPAREN:
            raise QuerySyntaxError.at(
                self.token.start, "a term or an operator", "')' has no matching '('"
            )
        if self.kind() is not Kind.END:
            raise self.unexpected("a term or an operator")
        return node

    def or_(self, field: Token | None) -> Node:
        operands = [self.and_(field)]
        while self.kind() is Kind.OR:
            keyword = self.advance()
            operands.append(self.and_(field, after=keyword))
        if len(operands) == 1:
            return operands[0]
        return Or(tuple(operands), operands[0].start, operands[-1].end)

    def and_(self, field: Token | None, *, after: Token | None = None) -> Node:
        operands = [self.unary(field, after=after)]
        while True:
            if self.kind() is Kind.AND:
                keyword = self.advance()
                operands.append(self.unary(field, after=keyword))
            elif self.kind() in _TERM_STARTS:
                operands.append(self.unary(field))
            else:
                break
        if len(operands) == 1:
            return operands[0]
        return And(tuple(operands), operands[0].start, operands[-1].end)

    def unary(self, field: Token | None, *, after: Token | None = None) -> Node:
        if self.kind() in (Kind.MINUS, Kind.NOT):
            operator = self.advance()
            if operator.kind is Kind.MINUS and self.token.start != operator.end:
                # `a - b` is more likely a typo or a literal dash than a negation.
                raise QuerySyntaxError.at(
                    operator.end,
                    "a term right after '-'",
                    "write the negation against its term, as in -team:x, or escape it as \\-",
                )
            self.enter(operator)
            operand = self.unary(field, after=operator)
            self.depth -= 1
            return Not(operand, operator.start, operand.end)
        return self.primary(field, after=after)

    def primary(self, field: Token | None, *, after: Token | None) -> Node:
        token = self.token
        if token.kind is Kind.LPAREN:
            return self.group(field, self.advance())
        if token.kind is Kind.FIELD:
            if field is not None:
                raise self.nested_field(token, field)
            self.advance()
            opening = self.advance()  # the lexer only makes FIELD right before '('
            return self.group(token, opening)
        if token.kind is Kind.TERM:
            self.advance()
            return self.term(token, field)
        if after is not None:
            written = self.text[after.start : after.end]
            raise self.unexpected("a term", f"'{written}' needs something to apply to")
        raise self.unexpected("a term")

    def group(self, field: Token | None, opening: Token) -> Node:
        self.enter(opening)
        if self.kind() is Kind.RPAREN:
            raise QuerySyntaxError.at(self.token.start, "a term", "the parentheses are empty")
        node = self.or_(field)
        if self.kind() is not Kind.RPAREN:
            raise self.unexpected("')'", f"to close the '(' at column {opening.start + 1}")
        closing = self.advance()
        self.depth -= 1
        return _with_span(node, opening.start if field is None else field.start, closing.end)

    def term(self, token: Token, field: Token | None) -> Term:
        if field is None:
            return Term(
                token.key,
                token.value,
                token.wildcards,
                token.quoted,
                token.attribute,
                token.start,
                token.end,
            )
        if token.key is not None:
            raise self.nested_field(token, field)
        return Term(
            field.key,
            token.value,
            token.wildcards,
            token.quoted,
            field.attribute,
            token.start,
            token.end,
        )

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError.at(
                token.start,
                "a shallower query",
                f"parentheses and negations nest more than {MAX_DEPTH} deep",
            )

    def unexpected(self, expected: str, detail: str = "") -> QuerySyntaxError:
        token = self.token
        found = (
            "the end of the query"
            if token.kind is Kind.END
            else f"'{self.text[token.start : token.end]}'"
        )
        why = f"found {found}"
        return QuerySyntaxError.at(token.start, expected, f"{detail}, {why}" if detail else why)

    def nested_field(self, token: Token, field: Token) -> QuerySyntaxError:
        return QuerySyntaxError.at(
            token.start,
            "a value",
            f"'{self.text[field.start : field.end]}(' already names the key; "
            "a key inside it cannot be used",
        )


def _with_span(node: Node, start: int, end: int) -> Node:
    """Widen a grouped node's span to cover its parentheses (for explain output)."""
    if isinstance(node, And):
        return And(node.operands, start, end)
    if isinstance(node, Or):
        return Or(node.operands, start, end)
    return node
