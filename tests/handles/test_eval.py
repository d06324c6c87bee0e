"""{{eval}}: Datadog's operators and functions, evaluated without Python's eval."""

from __future__ import annotations

import pytest

from handles import TemplateSyntaxError, parse
from handles.expression import ExpressionError, parse_expression
from handles.limits import MAX_EXPRESSION_CHARS, MAX_EXPRESSION_DEPTH
from tests.handles.events import make_event

EVENT = make_event(values={"value": 2.5, "count": "12", "name": "web", "big": 1e300})

CASES = [
    ("1+2*3", "7"),
    ("(1+2)*3", "9"),
    ("10/4", "2.5"),
    ("10%4", "2"),
    ("-7%3", "-1"),
    ("2^10", "1024"),
    ("2^3^2", "512"),
    ("-2^2", "-4"),
    ("2^-1", "0.5"),
    ("+value", "2.5"),
    ("value*2", "5"),
    ("count+1", "13"),
    ("abs(-3)", "3"),
    ("int(2.9)", "2"),
    ("int(-2.9)", "-2"),
    ("trunc(2.9)", "2"),
    ("float(3)", "3"),
    ("dec(3)", "3"),
    ("round(2.567, 2)", "2.57"),
    ("round(2.5)", "2"),
    ("ceil(2.1)", "3"),
    ("floor(2.9)", "2"),
    ("sgn(-4)", "-1"),
    ("to_bool(5)", "1"),
    ("exp(0)", "1"),
    ("log10(1000)", "3"),
    ("sin(0)", "0"),
    ("cos(0)", "1"),
    ("tan(0)", "0"),
    ("asin(1)", "1.5707963267949"),
    ("atan2(1, 1)", "0.785398163397448"),
    ("sinh(0)+cosh(0)+tanh(0)+asinh(0)+acosh(1)+atanh(0)+acos(1)+atan(0)", "1"),
    ("humanize_bytes(1536)", "1.5 KiB"),
    ("humanize_bytes(512)", "512 B"),
    ("humanize_bytes(3*1024^3)", "3 GiB"),
    ("humanize_bits(1500000)", "1.5 Mb"),
    ("0.1+0.2", "0.3"),
    ("1e3", "1000"),
    ("last_triggered_at_epoch-10*60*1000", ""),  # no time on this event: empty
]


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_eval(expression: str, expected: str) -> None:
    assert parse(f'{{{{eval "{expression}"}}}}').render(EVENT).text == expected


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("1/0", "division by zero"),
        ("1%0", "division by zero"),
        ("missing+1", "'missing' is empty"),
        ("name*2", "not a number"),
        ("log10(-1)", "undefined"),
        ("2^2000", "larger than 1024"),
        ("big*big", "not a finite number"),
        ("exp(1000)", "undefined"),
        ("humanize_bytes(1)*2", "text"),
    ],
)
def test_eval_failures_render_empty_with_a_warning(expression: str, problem: str) -> None:
    rendered = parse(f'x {{{{eval "{expression}"}}}} y').render(EVENT)
    assert rendered.text == "x  y"
    (warning,) = rendered.warnings
    assert warning.startswith("line 1, column 3: eval:")
    assert problem in warning


@pytest.mark.parametrize(
    ("expression", "offset", "words"),
    [
        ("", 0, "empty"),
        ("1 +", 3, "found end of expression"),
        ("(1", 2, "expected ')'"),
        ("1)", 1, "unexpected ')'"),
        ("1 2", 2, "unexpected '2'"),
        ("a ? b", 2, "unexpected character '?'"),
        ("nope(1)", 0, "unknown function"),
        ("atan2(1)", 0, "takes 2"),
        ("round(1,2,3)", 0, "takes 1 or 2"),
        ("__import__('os')", 11, "unexpected character"),
        ("__import__(1)", 0, "unknown function"),
        ("1e999", 0, "out of range"),
    ],
)
def test_expression_errors_point_into_the_expression(
    expression: str, offset: int, words: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(expression)
    assert caught.value.offset == offset
    assert words in caught.value.message


def test_nesting_is_bounded() -> None:
    deep = "(" * (MAX_EXPRESSION_DEPTH + 1) + "1" + ")" * (MAX_EXPRESSION_DEPTH + 1)
    with pytest.raises(ExpressionError, match="deeper"):
        parse_expression(deep)
    minus = "-" * 10_000 + "1"
    with pytest.raises(ExpressionError):
        parse_expression(minus[:MAX_EXPRESSION_CHARS])


def test_length_is_bounded() -> None:
    with pytest.raises(ExpressionError, match="longer"):
        parse_expression("1+" * MAX_EXPRESSION_CHARS + "1")


def test_template_reports_expression_error_with_column() -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse('line one\n{{eval "1 + * 2"}}')
    assert (caught.value.line, caught.value.col) == (2, 13)
