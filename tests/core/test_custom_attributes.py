"""Custom attribute rules: what a value may be, how it reads in a sentence and in search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bot.core.cases import Invalid
from bot.core.custom_attributes import (
    CustomAttribute,
    CustomAttributeType,
    describe,
    parse_custom_attribute,
    plan_custom_attribute,
    search_texts,
)


@dataclass(frozen=True)
class Spec:
    type: str
    is_multi: bool
    value: Any


def _parsed(kind: str, value: Any) -> CustomAttribute:
    parsed = parse_custom_attribute("k", Spec(kind, isinstance(value, list), value))
    assert isinstance(parsed, CustomAttribute), parsed
    return parsed


@pytest.mark.parametrize(
    ("key", "spec", "problem"),
    [
        ("Status", Spec("TEXT", False, "x"), "'Status' is a field of every case in search"),
        ("a b", Spec("TEXT", False, "x"), "'a b' is not a custom attribute key"),
        ("k", Spec("DATE", False, "x"), "type must be one of TEXT, URL, NUMBER, SELECT"),
        ("k", Spec("NUMBER", False, float("nan")), "value must be a finite number"),
        ("k", Spec("NUMBER", True, [1, "2"]), "value must be a number (type NUMBER), got a string"),
        ("k", Spec("URL", False, "https://a b"), "value must be an http or https URL"),
        ("k", Spec("SELECT", True, "a"), "value must be an array (is_multi is true)"),
        ("k", Spec("TEXT", True, ["a"] * 101), "value has more than 100 values"),
    ],
    ids=[
        "search-field", "bad-key", "unknown-type", "nan", "string-number", "url-with-space",
        "multi-not-array", "too-many",
    ],
)  # fmt: skip
def test_refused(key: str, spec: Spec, problem: str) -> None:
    refused = parse_custom_attribute(key, spec)
    assert isinstance(refused, Invalid)
    assert problem in refused.message


@pytest.mark.parametrize(
    ("kind", "value", "shown", "searched"),
    [
        ("NUMBER", 5, "5", ("5", "5.0")),
        ("NUMBER", [2.5, -0.0], "2.5, 0", ("2.5", "0", "-0.0")),
        ("NUMBER", 1e15, "1000000000000000", ("1000000000000000", "1000000000000000.0")),
        ("NUMBER", 1e20, "1e+20", ("1e+20",)),
        ("TEXT", ["", "a"], '"", a', ("", "a")),
        ("SELECT", [], "(none)", ()),
        ("TEXT", "x" * 400, "x" * 299 + "…", ("x" * 400,)),
    ],
    ids=["integer", "fraction-and-minus-zero", "large", "huge", "empty-text", "no-values", "long"],
)
def test_shown_and_searched(kind: str, value: Any, shown: str, searched: tuple[str, ...]) -> None:
    attribute = _parsed(kind, value)
    assert describe(attribute) == shown
    assert search_texts(attribute) == searched


def test_a_change_is_planned_only_when_the_value_changes() -> None:
    five = _parsed("NUMBER", 5)
    assert plan_custom_attribute({"k": five}, "k", _parsed("NUMBER", 5.0)) is None
    assert plan_custom_attribute({}, "k", None) is None
    retyped = plan_custom_attribute({"k": _parsed("TEXT", "5")}, "k", five)
    assert retyped is not None
    assert retyped.body == "Custom attribute k changed from 5 (TEXT) to 5 (NUMBER)"
    assert retyped.attributes == {"k": five}
    assert retyped.data == {
        "key": "k",
        "from": {"type": "TEXT", "is_multi": False, "value": "5"},
        "to": {"type": "NUMBER", "is_multi": False, "value": 5.0},
    }
    assert five.type == CustomAttributeType.NUMBER
