"""What is inside a tag: names, paths, arguments, and the checks on the
arguments of helpers and argument-taking conditionals."""

from __future__ import annotations

import re

from handles.clock import load_zone
from handles.errors import TemplateSyntaxError
from handles.expression import ExpressionError, parse_expression
from handles.nodes import Argument, Helper, Literal, Path

_SEGMENT = r"(?:\[[^\[\]]*\]|[A-Za-z0-9_@$:/\-]+)"
_PATH = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
_ARG = re.compile(r"\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"']+)|([\"']))")

HELPERS: tuple[str, ...] = ("eval", "local_time", "urlencode", "override_priority")
HELPER_NAMES = frozenset(HELPERS)
PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4", "P5")


def error(
    message: str, line: int, col: int, *, code: str = "syntax", suggestion: str | None = None
) -> TemplateSyntaxError:
    return TemplateSyntaxError(message, line, col, code=code, suggestion=suggestion)


def parse_path(word: str, line: int, col: int) -> Path:
    if not _PATH.fullmatch(word):
        raise error(f"{word!r} is not a variable name", line, col)
    segments = tuple(
        part[1:-1] if part.startswith("[") else part for part in re.findall(_SEGMENT, word)
    )
    return Path(segments, word)


def parse_args(
    body: str, line: int, col: int, *, fixed: bool = False
) -> tuple[str, tuple[Argument, ...]]:
    """Split a tag body `name arg…` starting at line:col.

    With `fixed` (a tag that spans lines) every position is the tag's own.
    """
    args: list[Argument] = []
    pos = 0
    name = ""
    end = len(body.rstrip())
    while pos < end:
        match = _ARG.match(body, pos)
        assert match is not None  # the pattern matches any non-empty rest
        # A string's column is its opening quote's.
        at = col if fixed else col + match.start(match.lastindex or 0) - (match.lastindex in (1, 2))
        if match.group(4):
            raise error(f"unterminated string starting {match.group(4)}", line, at)
        double, single, bare = match.group(1), match.group(2), match.group(3)
        if not name:
            if bare is None:
                raise error("a tag starts with a name, not a string", line, at)
            name = bare
        elif bare is None:
            args.append(Literal(double if double is not None else single, True, line, at))
        elif _NUMBER.fullmatch(bare):
            args.append(Literal(bare, False, line, at))
        else:
            args.append(parse_path(bare, line, at))
        pos = match.end()
    return name, tuple(args)


def helper_node(
    name: str, args: tuple[Argument, ...], line: int, col: int, *, fixed: bool = False
) -> Helper:
    def string_arg(index: int, what: str) -> Literal:
        arg = args[index] if index < len(args) else None
        if not isinstance(arg, Literal):
            raise error(f"{name} needs {what} as a quoted string", line, col)
        return arg

    expected = {"eval": 1, "local_time": 2, "urlencode": 1, "override_priority": 1}[name]
    if len(args) != expected:
        raise error(f"{name} takes {expected} argument(s), got {len(args)}", line, col)
    if name == "eval":
        source = string_arg(0, "an expression")
        try:
            expression = parse_expression(source.value)
        except ExpressionError as exc:
            # +1 skips the opening quote; expressions are on one line.
            at = col if fixed else source.col + 1 + exc.offset
            raise error(f"eval: {exc.message}", line, at) from None
        return Helper(name, args, line, col, expression)
    if name == "override_priority":
        priority = string_arg(0, "a priority such as 'P1'")
        if priority.value.upper() not in PRIORITIES:
            raise error(
                f"override_priority takes one of {', '.join(PRIORITIES)}, not {priority.value!r}",
                line,
                priority.col,
            )
    if name == "local_time":
        string_arg(0, "a variable name")
        zone = string_arg(1, "a time zone such as 'Europe/Paris'")
        if load_zone(zone.value) is None:
            raise error(f"unknown time zone {zone.value!r}", line, zone.col)
    if name == "urlencode":
        string_arg(0, "a variable name")
    return Helper(name, args, line, col)


def check_section_args(name: str, args: tuple[Argument, ...], line: int, col: int) -> None:
    if name == "is_priority":
        if (
            len(args) != 1
            or not isinstance(args[0], Literal)
            or args[0].value.upper() not in PRIORITIES
        ):
            raise error(f"is_priority takes one of {', '.join(PRIORITIES)}, e.g. 'P1'", line, col)
    elif name in ("is_match", "is_exact_match"):
        if len(args) < 2 or not isinstance(args[0], Literal) or not args[0].quoted:
            raise error(
                f"{name} takes a quoted variable name and at least one string, "
                f'e.g. {{{{#{name} "host.name" "db"}}}}',
                line,
                col,
            )
        for arg in args[1:]:
            if not isinstance(arg, Literal):
                raise error(f"{name} compares with strings or numbers, not a variable", line, col)
