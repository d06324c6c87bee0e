"""Diagnostics for a notification message, each with line, column, severity,
code, message and, where one helps, a suggestion.

Checks: syntax (unclosed, mismatched or stray blocks), unknown conditionals and
helpers, unknown variables, handles that are misspelt against the known ones,
handles that cannot be read as handles (no whitespace before them, or
parentheses, or a misspelt kind such as `@cse-storage`), and handles that hear
about an alert but never about its recovery (Datadog recommends a matching
recovery block).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from handles.conditions import CONDITIONALS, TRANSITIONS
from handles.errors import TemplateSyntaxError
from handles.mentions import KINDS, extract_mentions, mention_at
from handles.nodes import Helper, Literal, Node, Path, Section, Text, Variable
from handles.tags import HELPERS, parse_path
from handles.template import parse
from handles.types import Event, State, Transition
from handles.variables import TEMPLATE_VARIABLES, TIME_VARIABLES

ERROR = "error"
WARNING = "warning"
INFO = "info"

# Single names a message may use besides the template variables.
_KNOWN_SINGLE = frozenset(TEMPLATE_VARIABLES) | {"check_message"}
# `@kind-` written where it cannot be read as a handle.
_HANDLE_LIKE = re.compile(rf"@(?:{'|'.join(sorted(KINDS))})-\S*")
# `@word-…` whose word is no kind: checked against the kinds for a misspelling.
_OTHER_KIND = re.compile(r"(?<!\S)@([a-z]+)-[\w.-]+")
_RECOVERIES = frozenset(t for t in TRANSITIONS if t.current is State.OK)
_TRIGGERS = frozenset(t for t in TRANSITIONS if t.current is not State.OK)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    line: int
    col: int
    severity: str
    code: str
    message: str
    suggestion: str | None = None

    def format(self, filename: str) -> str:
        """`FILE:LINE:COL: severity: message (suggestion)`."""
        hint = f" ({self.suggestion})" if self.suggestion else ""
        return f"{filename}:{self.line}:{self.col}: {self.severity}: {self.message}{hint}"


def _did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    return _closest(word, tuple(choices))


@functools.lru_cache(maxsize=1024)
def _closest(word: str, choices: tuple[str, ...]) -> str | None:
    # Cached: an editor lints on every keystroke, and a message repeats its words.
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return f"did you mean {close[0]}?" if close else None


def _walk(nodes: tuple[Node, ...]) -> Iterator[tuple[Node, Node | None]]:
    """Every node, depth first, with the sibling that follows it."""
    # Depth is bounded by the parser's MAX_DEPTH.
    for index, node in enumerate(nodes):
        yield node, nodes[index + 1] if index + 1 < len(nodes) else None
        if isinstance(node, Section):
            yield from _walk(node.body)
            yield from _walk(node.otherwise)


def _position(node: Text, offset: int) -> tuple[int, int]:
    before = node.value[:offset]
    newlines = before.count("\n")
    if not newlines:
        return node.line, node.col + offset
    return node.line + newlines, offset - before.rfind("\n")


def _check_path(path: Path, line: int, col: int) -> Diagnostic | None:
    segments = path.segments
    if len(segments) > 1 or path.dotted in _KNOWN_SINGLE:
        return None  # tags (`key.name`) and attribute paths cannot be checked without data
    return Diagnostic(
        line,
        col,
        WARNING,
        "unknown-variable",
        f"{{{{{path.source}}}}} is not a template variable; it renders empty unless the "
        f"event has a value, attribute or tag named {path.source!r}",
        _did_you_mean(path.dotted, _KNOWN_SINGLE),
    )


def _check_section(node: Section) -> Iterator[Diagnostic]:
    name = node.name
    if name.startswith("is_") and name not in CONDITIONALS:
        yield Diagnostic(
            node.line,
            node.col,
            ERROR,
            "unknown-conditional",
            f"{name!r} is not a conditional; the section is never shown",
            _did_you_mean(name, CONDITIONALS),
        )
    elif name in ("is_match", "is_exact_match"):
        first = node.args[0]
        if isinstance(first, Literal):
            found = _check_path(
                parse_path(first.value, first.line, first.col), first.line, first.col
            )
            if found is not None:
                yield found
    elif name not in CONDITIONALS:
        suggestion = _did_you_mean(f"is_{name}", CONDITIONALS) or _did_you_mean(name, CONDITIONALS)
        yield Diagnostic(
            node.line,
            node.col,
            WARNING,
            "variable-section",
            f"{{{{#{name}}}}} is shown when the variable {name!r} is not empty",
            suggestion,
        )


def _check_helper(node: Helper) -> Iterator[Diagnostic]:
    if node.name not in HELPERS:
        yield Diagnostic(
            node.line,
            node.col,
            ERROR,
            "unknown-helper",
            f"{node.name!r} is not a helper; it renders nothing",
            _did_you_mean(node.name, HELPERS),
        )
        return
    if node.name == "local_time":
        first = node.args[0]
        if isinstance(first, Literal) and first.value not in TIME_VARIABLES:
            yield Diagnostic(
                first.line,
                first.col,
                WARNING,
                "local-time-variable",
                f"local_time reads a time variable; {first.value!r} is not one",
                _did_you_mean(first.value, ("first_triggered_at", "last_triggered_at")),
            )
    if node.expression is not None:
        for variable in node.expression.variables:
            if variable not in _KNOWN_SINGLE and "." not in variable:
                yield Diagnostic(
                    node.line,
                    node.col,
                    WARNING,
                    "unknown-variable",
                    f"eval reads {variable!r}, which is not a template variable",
                    _did_you_mean(variable, _KNOWN_SINGLE),
                )


def _check_kinds(node: Text) -> Iterator[Diagnostic]:
    """`@cse-storage`: a word that is almost a kind of handle (and so no handle)."""
    for match in _OTHER_KIND.finditer(node.value):
        kind = match.group(1)
        if kind in KINDS or "@" in node.value[match.end() : match.end() + 1]:
            continue  # a handle, or an e-mail address such as @jane-doe@example.com
        close = difflib.get_close_matches(kind, sorted(KINDS), n=1, cutoff=0.75)
        if close:
            line, col = _position(node, match.start())
            raw = match.group().rstrip(".")
            fixed = f"@{close[0]}{raw[len(kind) + 1 :]}"
            yield Diagnostic(
                line,
                col,
                WARNING,
                "unknown-kind",
                f"{raw} is not a handle: there is no @{kind}- kind",
                f"did you mean {fixed}?",
            )


def _check_text(
    node: Text, previous: Node | None, following: Node | None, known: dict[str, set[str]]
) -> Iterator[Diagnostic]:
    value = node.value
    yield from _check_kinds(node)
    for match in _HANDLE_LIKE.finditer(value):
        start = match.start()
        if match.end() == len(value) and isinstance(following, Variable | Helper):
            continue  # a handle completed by a variable, e.g. @slack-{{service.name}}
        line, col = _position(node, start)
        raw = match.group().rstrip(".,;:!?'\")]}>*~`")
        glued = (start > 0 and not value[start - 1].isspace()) or (
            start == 0 and previous is not None and not isinstance(previous, Section)
        )
        if glued:
            yield Diagnostic(
                line,
                col,
                WARNING,
                "handle-not-separated",
                f"{raw} does not follow whitespace, so it is not read as a handle",
                f"put a space before {raw}",
            )
            continue
        mention = mention_at(value, start)
        if mention is None:
            if "(" in match.group() or ")" in match.group():
                yield Diagnostic(
                    line,
                    col,
                    WARNING,
                    "handle-parentheses",
                    f"{match.group()} contains parentheses, so it is not read as a handle",
                )
            else:
                yield Diagnostic(
                    line,
                    col,
                    WARNING,
                    "invalid-handle",
                    f"{raw} is not a valid handle, so it is not read as one",
                    "handle names use letters, digits, '_', '-' and '.'",
                )
            continue
        names = known.get(mention.kind)
        if names is not None and mention.name.lower() not in names:
            choices = [f"@{mention.kind}-{name}" for name in sorted(names) if name]
            yield Diagnostic(
                line,
                col,
                ERROR,
                "unknown-handle",
                f"{mention.raw} is not a known {mention.kind} handle",
                _did_you_mean(mention.raw.lower(), choices),
            )


def _first_positions(nodes: tuple[Node, ...]) -> dict[str, tuple[int, int]]:
    """Where each handle written in the text first appears."""
    found: dict[str, tuple[int, int]] = {}
    for node, _ in _walk(nodes):
        if isinstance(node, Text):
            for match in _HANDLE_LIKE.finditer(node.value):
                raw = match.group().rstrip(".,;:!?'\")]}>*~`")
                found.setdefault(raw, _position(node, match.start()))
    return found


def _check_recovery(text: str, nodes: tuple[Node, ...]) -> Iterator[Diagnostic]:
    """A handle told about an alert but never about its recovery gets a hint."""
    template = parse(text)
    fires: dict[str, set[Transition]] = {}
    for transition in TRANSITIONS:
        for mention in template.render(Event(transition)).mentions:
            fires.setdefault(mention.raw, set()).add(transition)
    positions = _first_positions(nodes)
    for raw, transitions in fires.items():
        if transitions & _TRIGGERS and not transitions & _RECOVERIES and raw in positions:
            line, col = positions[raw]
            yield Diagnostic(
                line,
                col,
                INFO,
                "missing-recovery",
                f"{raw} is notified when the monitor triggers but not when it recovers",
                f"add {raw} to a {{{{#is_recovery}}}} block as well",
            )


def _known_handles(known_handles: Iterable[str], kinds: Iterable[str]) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {kind: set() for kind in kinds}
    for handle in known_handles:
        for mention in extract_mentions(handle if handle.startswith("@") else f"@{handle}"):
            known.setdefault(mention.kind, set()).add(mention.name.lower())
    return known


def lint(
    text: str, known_handles: Iterable[str] = (), *, known_kinds: Iterable[str] = ()
) -> list[Diagnostic]:
    """Every diagnostic for `text`, ordered by position.

    `known_handles` (`@case-storage`, …) enables the misspelt-handle check for
    each kind it names; handles of other kinds are not checked. A kind in
    `known_kinds` (`case`) is checked even when `known_handles` names none of
    its handles: every handle of that kind is then unknown.
    """
    try:
        nodes = parse(text).nodes
    except TemplateSyntaxError as exc:
        return [Diagnostic(exc.line, exc.col, ERROR, exc.code, exc.message, exc.suggestion)]
    known = _known_handles(known_handles, known_kinds)
    found: list[Diagnostic] = []
    previous: Node | None = None
    for node, following in _walk(nodes):
        if isinstance(node, Section):
            found.extend(_check_section(node))
        elif isinstance(node, Helper):
            found.extend(_check_helper(node))
        elif isinstance(node, Variable):
            diagnostic = _check_path(node.path, node.line, node.col)
            if diagnostic is not None:
                found.append(diagnostic)
        else:
            found.extend(_check_text(node, previous, following, known))
        previous = node
    found.extend(_check_recovery(text, nodes))
    unique = {(d.line, d.col, d.code, d.message): d for d in found}
    rank = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(unique.values(), key=lambda d: (d.line, d.col, rank[d.severity], d.code))
