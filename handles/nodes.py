"""The syntax tree the parser builds. Every node knows where it was written.

Nodes are not frozen dataclasses: building frozen instances costs about
three times as much, and parsing is on the compile path of every new message.
Nothing changes a node after the parser has built it.
"""

from __future__ import annotations

from dataclasses import dataclass

from handles.expression import Expression


@dataclass(slots=True, eq=False)
class Path:
    """A variable path: `host.name` -> ("host", "name"); `[a.b].name` -> ("a.b", "name")."""

    segments: tuple[str, ...]
    source: str

    @property
    def dotted(self) -> str:
        return ".".join(self.segments)


@dataclass(slots=True, eq=False)
class Literal:
    """A quoted string or a bare number written as a tag argument."""

    value: str
    quoted: bool
    line: int
    col: int


Argument = Path | Literal


@dataclass(slots=True, eq=False)
class Text:
    value: str
    line: int
    col: int


@dataclass(slots=True, eq=False)
class Variable:
    """`{{path}}` (escaped for Slack) or `{{{path}}}` (raw)."""

    path: Path
    raw: bool
    line: int
    col: int


@dataclass(slots=True, eq=False)
class Helper:
    """`{{eval "…"}}`, `{{local_time …}}`, `{{urlencode …}}`, `{{override_priority …}}`,
    or an unknown name called with arguments (renders nothing; lint reports it)."""

    name: str
    args: tuple[Argument, ...]
    line: int
    col: int
    expression: Expression | None = None


@dataclass(slots=True, eq=False)
class Section:
    """`{{#name args}}body{{else}}otherwise{{/name}}`; `negated` for `{{^name}}`."""

    name: str
    args: tuple[Argument, ...]
    negated: bool
    body: tuple[Node, ...]
    otherwise: tuple[Node, ...]
    style: str
    line: int
    col: int


Node = Text | Variable | Helper | Section
