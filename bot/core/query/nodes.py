"""The parsed form of a query: frozen nodes that remember where they came from.

`start` and `end` are 0-based offsets into the query text (`end` exclusive);
`column` is the 1-based column people see. Positions take no part in
equality, so `parse("a  b") == parse("a b")` and a printed query parses back
to an equal tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Term:
    """One `key:value` pair, or free text when `key` is None.

    `value` is unescaped. `wildcards` lists the offsets in `value` whose `*`
    or `?` is a wildcard (an escaped or quoted `*` is a plain character).
    `attribute` is true for `@key:value`, whose value is compared
    case-sensitively (Datadog attributes); other values compare case-folded
    (Datadog tags).
    """

    key: str | None
    value: str
    wildcards: tuple[int, ...] = ()
    quoted: bool = False
    attribute: bool = False
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    @property
    def column(self) -> int:
        return self.start + 1

    @property
    def is_pattern(self) -> bool:
        return bool(self.wildcards)


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    @property
    def column(self) -> int:
        return self.start + 1


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    @property
    def column(self) -> int:
        return self.start + 1


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    @property
    def column(self) -> int:
        return self.start + 1


@dataclass(frozen=True, slots=True)
class MatchAll:
    """The empty query: it matches every document."""

    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    @property
    def column(self) -> int:
        return self.start + 1


Node = Term | Not | And | Or | MatchAll
