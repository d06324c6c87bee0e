"""is_match (substring, OR) and is_exact_match (equality, numbers as numbers)."""

from __future__ import annotations

import pytest

from handles import parse
from tests.handles.events import make_event

TAGS = ("host:db-primary-1", "role:database", "env:prod", "env:staging", "empty:")

MATCH_CASES = [
    ('{{#is_match "host.name" "db"}}y{{/is_match}}', "y", "substring"),
    ('{{#is_match "host.name" "web"}}y{{/is_match}}', "", "no substring"),
    ('{{#is_match "host.name" "web" "primary"}}y{{/is_match}}', "y", "any of several"),
    ('{{#is_match "host.name" "DB"}}y{{/is_match}}', "", "case-sensitive"),
    ('{{#is_match "role.name" ""}}y{{/is_match}}', "y", "empty string: not empty"),
    ('{{#is_match "missing.name" ""}}y{{/is_match}}', "", "empty string: missing"),
    ('{{#is_match "empty.name" ""}}y{{/is_match}}', "", "empty string: empty value"),
    ('{{#is_match "env" "stag"}}y{{/is_match}}', "y", "bare tag key, one of values"),
    ('{{#is_match "env.name" "prod,staging"}}y{{/is_match}}', "", "values matched one by one"),
    ('{{^is_match "host.name" "db"}}n{{/is_match}}', "", "negated, matching"),
    ('{{^is_match "host.name" "web"}}n{{/is_match}}', "n", "negated, not matching"),
    ('{{#is_match "host.name" "web"}}y{{else}}e{{/is_match}}', "e", "else"),
    ('{{#is_match "value" 9}}y{{/is_match}}', "y", "number argument as text"),
    ("{{#is_match 'host.name' 'db'}}y{{/is_match}}", "y", "single quotes"),
    ('<<#is_match "host.name" "db">>y<</is_match>>', "y", "angle spelling"),
    ('{{#is_match "host.name" "db"}}{{#is_alert}}both{{/is_alert}}{{/is_match}}', "both", "nested"),
]

EXACT_CASES = [
    ('{{#is_exact_match "role.name" "database"}}y{{/is_exact_match}}', "y", "equal"),
    ('{{#is_exact_match "role.name" "data"}}y{{/is_exact_match}}', "", "substring is not equal"),
    ('{{#is_exact_match "role.name" "x" "database"}}y{{/is_exact_match}}', "y", "any of"),
    ('{{#is_exact_match "env.name" "staging"}}y{{/is_exact_match}}', "y", "one of values"),
    ('{{#is_exact_match "value" "95"}}y{{/is_exact_match}}', "y", "value, number as text"),
    ('{{#is_exact_match "value" "95.0"}}y{{/is_exact_match}}', "y", "numbers compare as numbers"),
    ('{{#is_exact_match "value" 95}}y{{/is_exact_match}}', "y", "bare number"),
    ('{{#is_exact_match "value" "96"}}y{{/is_exact_match}}', "", "different number"),
    ('{{#is_exact_match "ratio" "0.50"}}y{{/is_exact_match}}', "y", "float text"),
    ('{{#is_exact_match "missing" ""}}y{{/is_exact_match}}', "y", "missing equals empty"),
    ('{{^is_exact_match "role.name" "database"}}n{{/is_exact_match}}', "", "negated"),
    ('{{#is_exact_match "role.name" "web"}}y{{else}}e{{/is_exact_match}}', "e", "else"),
]


def _render(template: str) -> str:
    event = make_event(tags=TAGS, values={"value": 95, "ratio": "0.5"})
    return parse(template).render(event).text


@pytest.mark.parametrize(
    ("template", "expected"), [c[:2] for c in MATCH_CASES], ids=[c[2] for c in MATCH_CASES]
)
def test_is_match(template: str, expected: str) -> None:
    assert _render(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"), [c[:2] for c in EXACT_CASES], ids=[c[2] for c in EXACT_CASES]
)
def test_is_exact_match(template: str, expected: str) -> None:
    assert _render(template) == expected


def test_match_on_attribute_path() -> None:
    event = make_event(attributes={"log": {"attributes": {"status": "error"}}})
    template = parse('{{#is_match "log.attributes.status" "err"}}y{{/is_match}}')
    assert template.render(event).text == "y"
