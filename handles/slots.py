"""The pieces of a template whose text depends on the event: variables,
helpers, and the tests of sections that read the event's data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote

from handles.clock import load_zone, local_text
from handles.errors import TemplateError
from handles.expression import EvalFailure, format_value
from handles.limits import MAX_OUTPUT_CHARS
from handles.nodes import Argument, Helper, Literal, Section, Variable
from handles.scope import Scope
from handles.tags import parse_path
from handles.variables import (
    as_text,
    as_texts,
    event_moment,
    resolver,
    text_resolver,
    value_resolver,
)

Slot = Callable[[Scope], str]
Test = Callable[[Scope], bool]


def escape(text: str) -> str:
    """Escape for Slack mrkdwn: `<!channel>` in a tag value must not ping anyone."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def too_long(line: int, col: int) -> TemplateError:
    return TemplateError(f"rendered text would exceed {MAX_OUTPUT_CHARS} characters", line, col)


def string_of(arg: Argument) -> str:
    return arg.value if isinstance(arg, Literal) else arg.source


def path_segments(name: str) -> tuple[str, ...]:
    try:
        return parse_path(name, 1, 1).segments
    except TemplateError:
        return (name,)


# --- slots: the pieces whose text depends on the event ---------------------------


def variable_slot(node: Variable) -> Slot:
    return text_resolver(node.path.segments, escape=None if node.raw else escape)


def helper_slot(node: Helper) -> Slot | None:
    name, args, line, col = node.name, node.args, node.line, node.col
    if name == "override_priority":
        priority = string_of(args[0]).upper()

        def override(scope: Scope) -> str:
            scope.priority = priority
            return ""

        return override
    if name == "eval" and node.expression is not None:
        evaluate = node.expression.evaluate
        resolvers = {v: resolver(path_segments(v)) for v in node.expression.variables}

        def run_eval(scope: Scope) -> str:
            try:
                value = evaluate(lambda variable: resolvers[variable](scope))
            except EvalFailure as exc:
                scope.warn(f"line {line}, column {col}: eval: {exc}")
                return ""
            return escape(format_value(value))

        return run_eval
    if name == "urlencode":
        resolve = resolver(path_segments(string_of(args[0])))
        return lambda scope: quote(as_text(resolve(scope)), safe="")
    if name == "local_time":
        return _local_time_slot(string_of(args[0]), string_of(args[1]))
    return None  # unknown helpers render nothing; lint reports them


def _local_time_slot(variable: str, zone_name: str) -> Slot | None:
    zone = load_zone(zone_name)
    if zone is None:
        return None
    resolve = resolver(path_segments(variable))

    def local_time(scope: Scope) -> str:
        moment = event_moment(scope.event, variable)
        if moment is None:
            # Any other variable holding epoch milliseconds.
            value = resolve(scope)
            if not isinstance(value, int | float) or isinstance(value, bool):
                return ""
            try:
                moment = datetime.fromtimestamp(value / 1000, UTC)
            except (OverflowError, ValueError, OSError):
                return ""
        return local_text(moment, zone)

    return local_time


def _numeric(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _match_test(name: str, args: tuple[Argument, ...]) -> Test:
    resolve = value_resolver(path_segments(string_of(args[0])))
    candidates = tuple(string_of(arg) for arg in args[1:])
    if name == "is_match":

        def is_match(scope: Scope) -> bool:
            # A substring of any one value; "" matches any non-empty value.
            found = resolve(scope)
            if isinstance(found, str):  # the common case, without building a tuple
                if found:
                    for candidate in candidates:
                        if candidate in found:
                            return True
                return False
            for value in as_texts(found):
                for candidate in candidates:
                    if candidate in value:
                        return True
            return False

        return is_match
    numbers = tuple(_numeric(c) for c in candidates)

    def is_exact_match(scope: Scope) -> bool:
        for value in as_texts(resolve(scope)) or ("",):
            number = _numeric(value)
            for candidate, candidate_number in zip(candidates, numbers, strict=True):
                if value == candidate or (number is not None and number == candidate_number):
                    return True
        return False

    return is_exact_match


def data_test(node: Section) -> Test:
    """The test of a section that depends on the event's data, not its transition."""
    if node.name in ("is_match", "is_exact_match"):
        return _match_test(node.name, node.args)
    if node.args:
        return lambda scope: False  # an unknown conditional with arguments
    # Any other name is a variable: true when not empty (Mustache's rule). An
    # unknown `is_…` name (a typo lint reports) is looked up the same way.
    name = node.name
    resolve = resolver((name,) if name.startswith("is_") else path_segments(name))
    return lambda scope: bool(as_text(resolve(scope)))
