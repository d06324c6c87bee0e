"""A parsed template compiled into closures, and `parse`, which caches them.

Compilation turns every node into a function `(scope, out) -> None` that
appends to `out`; adjacent text is merged and sections hold their compiled
bodies, so rendering is a walk over pre-built closures with no lookups of
the syntax tree. Nesting is bounded by the parser, so the closures' call
depth is too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote

from handles.clock import load_zone, local_text
from handles.conditions import TRANSITION_CONDITIONALS, true_conditionals
from handles.errors import TemplateError
from handles.expression import EvalFailure, format_value
from handles.limits import MAX_OUTPUT_CHARS
from handles.mentions import extract_mentions
from handles.nodes import Helper, Literal, Node, Path, Section, Text, Variable
from handles.parser import parse_nodes, parse_path
from handles.types import Event, Rendered
from handles.variables import as_text, as_texts, event_moment, lookup


class _Scope:
    """Per-render state: the event, its true conditionals and what the render produced."""

    __slots__ = ("budget", "event", "flags", "priority", "warnings")

    def __init__(self, event: Event) -> None:
        self.event = event
        self.flags = true_conditionals(event.transition)
        self.priority: str | None = None
        self.budget = MAX_OUTPUT_CHARS
        self.warnings: list[str] = []


_Op = Callable[[_Scope, list[str]], None]
_Test = Callable[[_Scope], bool]


def escape(text: str) -> str:
    """Escape for Slack mrkdwn: `<!channel>` in a tag value must not ping anyone."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _spend(scope: _Scope, text: str, line: int, col: int) -> None:
    scope.budget -= len(text)
    if scope.budget < 0:
        raise TemplateError(f"rendered text would exceed {MAX_OUTPUT_CHARS} characters", line, col)


def _text_op(value: str) -> _Op:
    def op(scope: _Scope, out: list[str]) -> None:
        out.append(value)

    return op


def _variable_op(node: Variable) -> _Op:
    segments = node.path.segments
    raw = node.raw
    line, col = node.line, node.col

    def op(scope: _Scope, out: list[str]) -> None:
        value = lookup(scope.event, segments)
        if value is None:
            return
        text = value if isinstance(value, str) else as_text(value)
        if not raw:
            text = escape(text)
        _spend(scope, text, line, col)
        out.append(text)

    return op


def _string(arg: Literal | Path) -> str:
    return arg.value if isinstance(arg, Literal) else arg.source


def _path_segments(name: str) -> tuple[str, ...]:
    try:
        return parse_path(name, 1, 1).segments
    except TemplateError:
        return (name,)


def _helper_op(node: Helper) -> _Op | None:
    name, args, line, col = node.name, node.args, node.line, node.col
    where = f"line {line}, column {col}"
    if name == "override_priority":
        priority = _string(args[0]).upper()

        def override(scope: _Scope, out: list[str]) -> None:
            scope.priority = priority

        return override
    if name == "eval" and node.expression is not None:
        evaluate = node.expression.evaluate

        def run_eval(scope: _Scope, out: list[str]) -> None:
            event = scope.event

            def resolve(variable: str) -> object:
                return lookup(event, variable.split("."))

            try:
                text = format_value(evaluate(resolve))
            except EvalFailure as exc:
                scope.warnings.append(f"{where}: eval: {exc}")
                return
            _spend(scope, text, line, col)
            out.append(escape(text))

        return run_eval
    if name == "urlencode":
        segments = _path_segments(_string(args[0]))

        def urlencode(scope: _Scope, out: list[str]) -> None:
            text = quote(as_text(lookup(scope.event, segments)), safe="")
            _spend(scope, text, line, col)
            out.append(text)

        return urlencode
    if name == "local_time":
        variable = _string(args[0])
        zone = load_zone(_string(args[1]))
        if zone is None:
            return None
        segments = _path_segments(variable)

        def local_time(scope: _Scope, out: list[str]) -> None:
            moment = event_moment(scope.event, variable)
            if moment is None:
                value = lookup(scope.event, segments)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    from datetime import UTC, datetime

                    try:
                        moment = datetime.fromtimestamp(value / 1000, UTC)
                    except (OverflowError, ValueError, OSError):
                        moment = None
            if moment is not None:
                out.append(local_text(moment, zone))

        return local_time
    return None  # unknown helpers render nothing; lint reports them


def _numeric(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _section_test(node: Section) -> _Test:
    name, args = node.name, node.args
    if name in TRANSITION_CONDITIONALS and not args:
        return lambda scope: name in scope.flags
    if name == "is_priority":
        wanted = _string(args[0]).upper()
        return lambda scope: (scope.event.transition.priority or "").upper() == wanted
    if name in ("is_match", "is_exact_match"):
        segments = _path_segments(_string(args[0]))
        candidates = tuple(_string(arg) for arg in args[1:])
        if name == "is_match":

            def is_match(scope: _Scope) -> bool:
                values = as_texts(lookup(scope.event, segments))
                # "" matches any non-empty value, which `"" in value` already says.
                return any(c in v for v in values for c in candidates)

            return is_match
        numbers = tuple(_numeric(c) for c in candidates)

        def is_exact_match(scope: _Scope) -> bool:
            for value in as_texts(lookup(scope.event, segments)) or ("",):
                number = _numeric(value)
                for candidate, candidate_number in zip(candidates, numbers, strict=True):
                    if value == candidate or (number is not None and number == candidate_number):
                        return True
            return False

        return is_exact_match
    if args:
        return lambda scope: False  # an unknown conditional with arguments
    segments = (name,) if name.startswith("is_") else _path_segments(name)
    # Any other name is a variable: true when it is not empty (Mustache's rule).
    return lambda scope: bool(as_text(lookup(scope.event, segments)))


def _run_all(ops: tuple[_Op, ...]) -> _Op:
    if not ops:
        return lambda scope, out: None
    if len(ops) == 1:
        return ops[0]

    def run(scope: _Scope, out: list[str]) -> None:
        for op in ops:
            op(scope, out)

    return run


def _section_op(node: Section) -> _Op:
    test = _section_test(node)
    body = _run_all(compile_nodes(node.body))
    otherwise = _run_all(compile_nodes(node.otherwise))
    if node.negated:
        body, otherwise = otherwise, body

    def section(scope: _Scope, out: list[str]) -> None:
        if test(scope):
            body(scope, out)
        else:
            otherwise(scope, out)

    return section


def compile_nodes(nodes: tuple[Node, ...]) -> tuple[_Op, ...]:
    ops: list[_Op] = []
    pending: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            pending.append(node.value)
            continue
        if pending:
            ops.append(_text_op("".join(pending)))
            pending = []
        if isinstance(node, Variable):
            ops.append(_variable_op(node))
        elif isinstance(node, Section):
            ops.append(_section_op(node))
        else:
            op = _helper_op(node)
            if op is not None:
                ops.append(op)
    if pending:
        ops.append(_text_op("".join(pending)))
    return tuple(ops)


class Template:
    """A compiled notification message. Build with `handles.parse(text)`."""

    __slots__ = ("_ops", "nodes", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes = parse_nodes(source)
        self._ops = compile_nodes(self.nodes)

    def render(self, event: Event) -> Rendered:
        """Render for one event; mentions are read from the rendered text.

        Raises TemplateError only when the output would exceed MAX_OUTPUT_CHARS.
        """
        scope = _Scope(event)
        out: list[str] = []
        for op in self._ops:
            op(scope, out)
        text = "".join(out)
        if len(text) > MAX_OUTPUT_CHARS:
            raise TemplateError(f"rendered text would exceed {MAX_OUTPUT_CHARS} characters", 1, 1)
        return Rendered(
            text,
            extract_mentions(text),
            scope.priority,
            tuple(scope.warnings),
        )

    def __repr__(self) -> str:
        preview = self.source if len(self.source) <= 40 else self.source[:37] + "..."
        return f"Template({preview!r})"


@lru_cache(maxsize=2048)
def parse(text: str) -> Template:
    """Parse and compile `text` once; later calls with the same text reuse it.

    Raises TemplateSyntaxError (with `.line` and `.col`) for malformed text.
    """
    return Template(text)
