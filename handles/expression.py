"""`{{eval "expr"}}`: a small arithmetic language, parsed once and evaluated safely.

Own tokenizer and Pratt parser; no Python `eval`. Numbers are floats, so no
operation can allocate without bound; the exponent of `^` is capped and a
non-finite result is refused. Operators (loosest to tightest): `+ -`,
`* / %`, unary `- +`, `^` (right-associative, so `-2^2` is -4).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from handles.limits import MAX_EXPONENT, MAX_EXPRESSION_CHARS, MAX_EXPRESSION_DEPTH

Number = float
Value = float | str
# Resolves a variable name to its value, or None when the variable is empty.
Lookup = Callable[[str], object]


class ExpressionError(Exception):
    """The expression text is malformed; `offset` is 0-based into the expression."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class EvalFailure(Exception):
    """Evaluation failed for this event (empty variable, division by zero, overflow)."""


@dataclass(frozen=True, slots=True)
class Expression:
    source: str
    variables: tuple[str, ...]
    evaluate: Callable[[Lookup], Value]


_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op>[-+*/%^(),]))"
)


def _humanize(value: float, base: float, units: tuple[str, ...]) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    unit = 0
    while value >= base and unit < len(units) - 1:
        value /= base
        unit += 1
    text = f"{value:.0f}" if unit == 0 else f"{value:.1f}".removesuffix(".0")
    return f"{sign}{text} {units[unit]}"


def _round(value: float, digits: float = 0) -> float:
    return float(round(value, max(-20, min(20, int(digits)))))


def _to_int(value: float) -> float:
    return float(math.trunc(value))


_FUNCTIONS: dict[str, tuple[Callable[..., Value], int, int]] = {
    # name: (function, fewest arguments, most arguments)
    "humanize_bytes": (
        lambda x: _humanize(x, 1024.0, ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")),
        1,
        1,
    ),
    "humanize_bits": (
        lambda x: _humanize(x, 1000.0, ("b", "Kb", "Mb", "Gb", "Tb", "Pb", "Eb")),
        1,
        1,
    ),
    "abs": (abs, 1, 1),
    "int": (_to_int, 1, 1),
    "trunc": (_to_int, 1, 1),
    "float": (float, 1, 1),
    "dec": (float, 1, 1),
    "round": (_round, 1, 2),
    "ceil": (lambda x: float(math.ceil(x)), 1, 1),
    "floor": (lambda x: float(math.floor(x)), 1, 1),
    "sgn": (lambda x: float((x > 0) - (x < 0)), 1, 1),
    "to_bool": (lambda x: 1.0 if x else 0.0, 1, 1),
    "exp": (math.exp, 1, 1),
    "log10": (math.log10, 1, 1),
    "sin": (math.sin, 1, 1),
    "sinh": (math.sinh, 1, 1),
    "asin": (math.asin, 1, 1),
    "asinh": (math.asinh, 1, 1),
    "cos": (math.cos, 1, 1),
    "cosh": (math.cosh, 1, 1),
    "acos": (math.acos, 1, 1),
    "acosh": (math.acosh, 1, 1),
    "tan": (math.tan, 1, 1),
    "tanh": (math.tanh, 1, 1),
    "atan": (math.atan, 1, 1),
    "atan2": (math.atan2, 2, 2),
    "atanh": (math.atanh, 1, 1),
}
FUNCTION_NAMES: tuple[str, ...] = tuple(_FUNCTIONS)

_BINARY_POWER = {"+": 10, "-": 10, "*": 20, "/": 20, "%": 20, "^": 40}
_UNARY_POWER = 30

_Eval = Callable[[Lookup], Value]


def _number(value: Value) -> float:
    if isinstance(value, str):
        raise EvalFailure(f"{value!r} is text, not a number")
    return value


def _finite(value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise EvalFailure("result is not a finite number")
    return value


def _binary(op: str, left: _Eval, right: _Eval) -> _Eval:
    def run(lookup: Lookup) -> Value:
        a = _number(left(lookup))
        b = _number(right(lookup))
        try:
            if op == "+":
                return _finite(a + b)
            if op == "-":
                return _finite(a - b)
            if op == "*":
                return _finite(a * b)
            if op == "/":
                return _finite(a / b)
            if op == "%":
                return _finite(math.fmod(a, b) if b else a / b)
            if abs(b) > MAX_EXPONENT:
                raise EvalFailure(f"exponent {b:g} is larger than {MAX_EXPONENT}")
            return _finite(float(a**b))
        except ZeroDivisionError:
            raise EvalFailure("division by zero") from None
        except (OverflowError, TypeError):
            raise EvalFailure("result is out of range") from None

    return run


def _call(name: str, function: Callable[..., Value], args: list[_Eval]) -> _Eval:
    def run(lookup: Lookup) -> Value:
        values = [_number(arg(lookup)) for arg in args]
        try:
            result = function(*values)
        except (ValueError, OverflowError):
            raise EvalFailure(f"{name}() is undefined for {values}") from None
        return result if isinstance(result, str) else _finite(float(result))

    return run


def _variable(name: str) -> _Eval:
    def run(lookup: Lookup) -> Value:
        raw = lookup(name)
        if raw is None or raw == "":
            raise EvalFailure(f"variable {name!r} is empty")
        if isinstance(raw, bool):
            return 1.0 if raw else 0.0
        if isinstance(raw, int | float):
            return _finite(float(raw))
        try:
            return _finite(float(str(raw).replace(",", "")))
        except ValueError:
            raise EvalFailure(f"variable {name!r} is {raw!r}, not a number") from None

    return run


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens: list[tuple[str, str, int]] = []
        self.index = 0
        self.variables: list[str] = []
        pos = 0
        stripped_end = len(source.rstrip())
        while pos < stripped_end:
            match = _TOKEN.match(source, pos)
            if match is None or match.end() == pos:
                at = pos + len(source[pos:]) - len(source[pos:].lstrip())
                raise ExpressionError(f"unexpected character {source[at]!r}", at)
            kind = match.lastgroup or "op"
            self.tokens.append((kind, match.group(kind), match.start(kind)))
            pos = match.end()
        self.tokens.append(("end", "", len(source)))

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.index]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.index]
        if token[0] != "end":
            self.index += 1
        return token

    def expect(self, text: str) -> None:
        kind, value, at = self.take()
        if value != text or kind != "op":
            found = "end of expression" if kind == "end" else repr(value)
            raise ExpressionError(f"expected {text!r}, found {found}", at)

    def expression(self, min_power: int, depth: int) -> _Eval:
        if depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionError(
                f"expression nests deeper than {MAX_EXPRESSION_DEPTH}", self.peek()[2]
            )
        left = self.prefix(depth)
        while True:
            kind, op, _ = self.peek()
            power = _BINARY_POWER.get(op) if kind == "op" else None
            if power is None or power <= min_power:
                return left
            self.take()
            # `^` is right-associative: its right side may hold another `^`.
            right = self.expression(power - 1 if op == "^" else power, depth + 1)
            left = _binary(op, left, right)

    def prefix(self, depth: int) -> _Eval:
        kind, value, at = self.take()
        if kind == "num":
            number = float(value)
            if math.isinf(number):
                raise ExpressionError(f"number {value} is out of range", at)
            return lambda _lookup: number
        if kind == "op" and value in "-+":
            operand = self.expression(_UNARY_POWER, depth + 1)
            if value == "+":
                return operand
            return lambda lookup: -_number(operand(lookup))
        if kind == "op" and value == "(":
            inner = self.expression(0, depth + 1)
            self.expect(")")
            return inner
        if kind == "name":
            if self.peek()[1] == "(" and self.peek()[0] == "op":
                return self.call(value, at, depth)
            self.variables.append(value)
            return _variable(value)
        found = "end of expression" if kind == "end" else repr(value)
        raise ExpressionError(f"expected a number, variable or '(', found {found}", at)

    def call(self, name: str, at: int, depth: int) -> _Eval:
        entry = _FUNCTIONS.get(name)
        if entry is None:
            raise ExpressionError(f"unknown function {name!r}", at)
        function, fewest, most = entry
        self.expect("(")
        args: list[_Eval] = []
        if self.peek()[1] != ")":
            args.append(self.expression(0, depth + 1))
            while self.peek()[1] == ",":
                self.take()
                args.append(self.expression(0, depth + 1))
        self.expect(")")
        if not fewest <= len(args) <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} or {most}"
            raise ExpressionError(f"{name}() takes {wanted} argument(s), got {len(args)}", at)
        return _call(name, function, args)


def parse_expression(source: str) -> Expression:
    """Parse `source`; raise ExpressionError naming the offset of the problem."""
    if len(source) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"expression is longer than {MAX_EXPRESSION_CHARS} characters", 0)
    parser = _Parser(source)
    if parser.peek()[0] == "end":
        raise ExpressionError("expression is empty", 0)
    evaluate = parser.expression(0, 0)
    kind, value, at = parser.peek()
    if kind != "end":
        raise ExpressionError(f"unexpected {value!r} after the expression", at)
    return Expression(source, tuple(dict.fromkeys(parser.variables)), evaluate)


def format_value(value: Value) -> str:
    """How an eval result is written: integers without `.0`, others to 15 digits."""
    if isinstance(value, str):
        return value
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")
