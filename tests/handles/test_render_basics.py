"""parse -> render -> mentions, end to end, on small messages."""

from __future__ import annotations

import dataclasses

import pytest

from handles import Rendered, State, TemplateSyntaxError, extract_mentions, parse
from tests.handles.events import make_event


def test_alert_block_fires_case_handle_only_on_alert() -> None:
    template = parse("{{#is_alert}}Disk full on {{host.name}} @case-storage{{/is_alert}}")
    alert = template.render(make_event(State.OK, State.ALERT, tags=("host:web-1",)))
    assert alert.text == "Disk full on web-1 @case-storage"
    assert [m.raw for m in alert.mentions] == ["@case-storage"]
    recovery = template.render(make_event(State.ALERT, State.OK, tags=("host:web-1",)))
    assert recovery.text == ""
    assert recovery.mentions == ()


def test_parse_is_cached_by_text() -> None:
    assert parse("{{value}} @case-a") is parse("{{value}} @case-a")


def test_override_priority_is_returned() -> None:
    rendered = parse("{{#is_alert}}{{override_priority 'p1'}}{{/is_alert}}").render(make_event())
    assert rendered.priority == "P1"
    assert rendered.text == ""


def test_syntax_error_has_line_and_column() -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse("ok\n  {{#is_alert}}x")
    assert (caught.value.line, caught.value.col) == (2, 3)


def test_extract_mentions_reads_plain_text() -> None:
    assert [m.name for m in extract_mentions("@case-a and @slack-b")] == ["a", "b"]


def test_rendered_is_an_ordinary_frozen_value() -> None:
    rendered = parse("{{#is_alert}}{{override_priority 'P2'}}x @case-a{{/is_alert}}").render(
        make_event()
    )
    expected = Rendered("x @case-a", extract_mentions("x @case-a"), "P2", ())
    assert rendered == expected
    assert hash(rendered) == hash(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rendered.text = "changed"  # type: ignore[misc]
