"""Query text -> tokens.

A word runs until whitespace or a parenthesis. Inside a word `\\` makes the
next character literal, the first unescaped `:` splits key from value, and an
unescaped `*` or `?` is a wildcard. `"…"` is a phrase in which only `\\"` and
`\\\\` are special. `AND`, `OR` and `NOT` are operators only when written in
capitals and unescaped; a `-` that starts a token negates what follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.query.errors import QuerySyntaxError

KEYWORDS = {"AND", "OR", "NOT"}
WILDCARDS = "*?"


class Kind(StrEnum):
    TERM = "term"
    FIELD = "field"  # `key:` directly followed by `(`
    LPAREN = "'('"
    RPAREN = "')'"
    AND = "'AND'"
    OR = "'OR'"
    NOT = "'NOT'"
    MINUS = "'-'"
    END = "end of query"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    start: int
    end: int
    key: str | None = None
    value: str = ""
    wildcards: tuple[int, ...] = ()
    quoted: bool = False
    attribute: bool = False


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens, ending with one END token.

    Raises QuerySyntaxError for an unfinished escape or phrase, a `:` with no
    key before it or no value after it, and a stray `"` inside a word.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "(":
            tokens.append(Token(Kind.LPAREN, i, i + 1))
            i += 1
        elif c == ")":
            tokens.append(Token(Kind.RPAREN, i, i + 1))
            i += 1
        elif c == "-":
            tokens.append(Token(Kind.MINUS, i, i + 1))
            i += 1
        elif c == '"':
            value, end = _phrase(text, i)
            tokens.append(Token(Kind.TERM, i, end, value=value, quoted=True))
            i = end
            _require_separator(text, i)
        else:
            token = _word(text, i)
            tokens.append(token)
            i = token.end
            if token.quoted:  # key:"value"
                _require_separator(text, i)
    tokens.append(Token(Kind.END, n, n))
    return tokens


def _phrase(text: str, start: int) -> tuple[str, int]:
    """Read the phrase whose opening quote is at `start`; return (value, end offset)."""
    chars: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 >= n:
                raise QuerySyntaxError.at(
                    n, "a character after '\\'", "the query ends inside an escape"
                )
            chars.append(text[i + 1])
            i += 2
        elif c == '"':
            return "".join(chars), i + 1
        else:
            chars.append(c)
            i += 1
    raise QuerySyntaxError.at(n, "'\"'", f"the phrase opened at column {start + 1} is not closed")


def _require_separator(text: str, offset: int) -> None:
    """A closing quote must be followed by whitespace, a parenthesis or the end."""
    if offset < len(text) and not (text[offset].isspace() or text[offset] in "()"):
        raise QuerySyntaxError.at(
            offset, "whitespace or ')'", "a closing quote is followed by more text"
        )


def _word(text: str, start: int) -> Token:
    chars: list[str] = []
    wildcards: list[int] = []
    key: str | None = None
    attribute = False
    escaped_any = False
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c.isspace() or c in "()":
            break
        if c == "\\":
            if i + 1 >= n:
                raise QuerySyntaxError.at(
                    n, "a character after '\\'", "the query ends inside an escape"
                )
            chars.append(text[i + 1])
            escaped_any = True
            i += 2
        elif c == '"':
            if key is not None and not chars and text[i - 1] == ":":
                value, end = _phrase(text, i)
                return Token(
                    Kind.TERM, start, end, key=key, value=value, quoted=True, attribute=attribute
                )
            raise QuerySyntaxError.at(
                i,
                "whitespace before '\"'",
                'a quote inside a word; escape it as \\" or quote the whole value',
            )
        elif c == ":" and key is None:
            key, attribute = _key(text, start, i, chars)
            chars, wildcards = [], []
            i += 1
            if i < n and text[i] == "(":
                return Token(Kind.FIELD, start, i, key=key, attribute=attribute)
            if i >= n or text[i].isspace() or text[i] == ")":
                raise QuerySyntaxError.at(i, "a value", f"nothing follows '{text[start:i]}'")
        else:
            if c in WILDCARDS:
                wildcards.append(len(chars))
            chars.append(c)
            i += 1
    value = "".join(chars)
    if key is None and not escaped_any and value in KEYWORDS:
        return Token(Kind[value], start, i)
    return Token(
        Kind.TERM,
        start,
        i,
        key=key,
        value=value,
        wildcards=tuple(wildcards),
        attribute=attribute,
    )


def _key(text: str, start: int, colon: int, chars: list[str]) -> tuple[str, bool]:
    """The key written between `start` and the `:` at `colon`, and whether it had `@`."""
    attribute = text[start] == "@"
    key = "".join(chars[1:] if attribute else chars)
    if not key:
        raise QuerySyntaxError.at(colon, "a field name before ':'", "write key:value")
    return key, attribute
