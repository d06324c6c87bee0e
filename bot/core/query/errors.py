"""The one error a query can raise while it is read."""

from __future__ import annotations


class QuerySyntaxError(ValueError):
    """A query that cannot be read.

    `position` is the 1-based column of the offending character (one past the
    end of the query when input ran out), `expected` names what would have
    been valid there, and `message` is the whole sentence shown to people,
    e.g. "expected ')' at column 14 to close the '(' at column 3".
    """

    def __init__(self, position: int, expected: str, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.expected = expected
        self.message = message

    @classmethod
    def at(cls, offset: int, expected: str, detail: str = "") -> QuerySyntaxError:
        """Build the error for a 0-based `offset`, wording the message the usual way."""
        column = offset + 1
        message = f"expected {expected} at column {column}"
        if detail:
            message = f"{message}: {detail}"
        return cls(column, expected, message)

    def __repr__(self) -> str:
        return f"QuerySyntaxError({self.position!r}, {self.expected!r}, {self.message!r})"
