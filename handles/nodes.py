"""The syntax tree the parser builds. Every node knows where it was written."""

from __future__ import annotations

from dataclasses import dataclass

from handles.expression import Expression


@dataclass(frozen=True, slots=True)
class Path:
    """A variable path: `host.name` -> ("host", "name"); `[a.b].name` -> ("a.b", "name")."""

    segments: tuple[str, ...]
    source: str

    @property
    def dotted(self) -> str:
        return ".".join(self.segments)


@dataclass(frozen=True, slots=True)
class Literal:
    """A quoted string or a bare number written as a tag argument."""

    value: str
    quoted: bool
    line: int
    col: int


Argument = Path | Literal


@dataclass(frozen=True, slots=True)
class Text:
    value: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Variable:
    """`{{path}}` (escaped for Slack) or `{{{path}}}` (raw)."""

    path: Path
    raw: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Helper:
    """`{{eval "…"}}`, `{{local_time …}}`, `{{urlencode …}}`, `{{override_priority …}}`,
    or an unknown name called with arguments (renders nothing; lint reports it)."""

    name: str
    args: tuple[Argument, ...]
    line: int
    col: int
    expression: Expression | None = None


@dataclass(frozen=True, slots=True)
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
