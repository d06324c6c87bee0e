"""Hostile templates stop with TemplateError, never hang, recurse or blow up memory.

Sizes are chosen so that a linear pass takes milliseconds and a quadratic one
would run into pytest's timeout.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import pytest

from handles import State, TemplateError, TemplateSyntaxError, extract_mentions, parse
from handles.limits import MAX_DEPTH, MAX_OUTPUT_CHARS
from handles.template import Template
from tests.handles.events import make_event

BIG = 200_000


def test_nesting_past_the_limit_is_a_syntax_error_not_recursion() -> None:
    deep = "{{#is_alert}}" * 100_000 + "x" + "{{/is_alert}}" * 100_000
    with pytest.raises(TemplateSyntaxError) as caught:
        Template(deep)
    assert "deeper than" in caught.value.message
    assert (caught.value.line, caught.value.col) == (1, MAX_DEPTH * 13 + 1)


def test_nesting_at_the_limit_renders() -> None:
    names = ["is_alert", "is_renotify"] * MAX_DEPTH
    opened = "".join(f"{{{{^{n}}}}}" for n in names[:MAX_DEPTH])
    closed = "".join(f"{{{{/{n}}}}}" for n in reversed(names[:MAX_DEPTH]))
    template = Template(opened + "deep @case-x" + closed)
    assert template.render(make_event(State.OK, State.ALERT)).text == ""
    recovered = template.render(make_event(State.ALERT, State.OK))
    assert recovered.text == "deep @case-x"
    assert [m.raw for m in recovered.mentions] == ["@case-x"]


def test_deep_data_sections_render_without_recursion_error() -> None:
    opened = '{{#is_match "host.name" "w"}}' * MAX_DEPTH
    closed = "{{/is_match}}" * MAX_DEPTH
    template = Template(opened + "@case-deep" + closed)
    rendered = template.render(make_event(tags=("host:web",)))
    assert rendered.text == "@case-deep"


def test_output_past_the_limit_stops_with_line_and_column() -> None:
    template = Template("start\n" + "{{blob}}" * 100)
    event = make_event(values={"blob": "x" * (MAX_OUTPUT_CHARS // 50)})
    with pytest.raises(TemplateError) as caught:
        template.render(event)
    assert (caught.value.line, caught.value.col) == (2, 1)
    assert str(MAX_OUTPUT_CHARS) in caught.value.message


def test_output_limit_counts_text_inside_data_sections() -> None:
    inner = '{{#is_match "blob" "x"}}' + "{{blob}}" * 10 + "{{/is_match}}"
    template = Template(inner * 10)
    event = make_event(values={"blob": "x" * (MAX_OUTPUT_CHARS // 50)})
    with pytest.raises(TemplateError):
        template.render(event)


def test_large_literal_text_is_bounded_too() -> None:
    template = Template("y" * (MAX_OUTPUT_CHARS + 1))
    with pytest.raises(TemplateError):
        template.render(make_event())


@pytest.mark.parametrize(
    "text",
    [
        "{{" * BIG,
        "{{{{" * BIG,
        "<<a" * BIG,
        "<<#a" * BIG + "\n>>",
        "{{!--" + "}}" * BIG,
        "{{!-- }} " * BIG,
        "{{x}}" * (BIG // 5),
        "<<x>>" * (BIG // 5),
        "{{#is_alert}}{{/is_alert}}" * (BIG // 26),
        "a\n" * BIG + "{{",
        "{{{{raw}}}}" + "{{{{/ra" * BIG,
        '{{#is_match "a" ' + '"b" ' * (BIG // 4) + "}}x{{/is_match}}",
    ],
    ids=[
        "curly",
        "quad",
        "angle-no-close",
        "angle-newline",
        "comment",
        "comments",
        "vars",
        "angle-vars",
        "sections",
        "lines",
        "raw",
        "match-args",
    ],
)
def test_parsing_is_linear(text: str) -> None:
    try:
        template = Template(text)
    except TemplateSyntaxError as error:
        assert error.line >= 1 and error.col >= 1
        return
    with contextlib.suppress(TemplateError):  # only the output limit may stop it
        template.render(make_event(values={"x": "1"}))


def _best_seconds(work: Callable[[], object], *, repeats: int = 5) -> float:
    """The least CPU time of a few runs. CPU time of this thread, not wall time: on a busy
    machine a run is paused while others run, which would count as its own time."""
    best = float("inf")
    for _ in range(repeats):
        started = time.thread_time()
        work()
        best = min(best, time.thread_time() - started)
    return best


@pytest.mark.parametrize(
    "piece",
    [
        lambda n: "@case-" + "." * n,
        lambda n: "@workflow-x(" + "a=b, " * (n // 5),
        lambda n: " @" * n,
        lambda n: "@" * n,
        lambda n: "@case-x " * (n // 8),
        lambda n: "@a@" * n,
    ],
    ids=["punctuation", "workflow", "ats", "at-run", "handles", "emails"],
)
def test_mention_extraction_is_linear(piece: Callable[[int], str]) -> None:
    # Four times the text must cost about four times as much: a quadratic pass costs
    # sixteen. The bound (8) sits between the two with room for a noisy machine.
    small, large = piece(BIG // 4), piece(BIG)
    extract_mentions(small)  # warm caches before timing
    ratio = _best_seconds(lambda: extract_mentions(large)) / max(
        _best_seconds(lambda: extract_mentions(small)), 1e-6
    )
    assert ratio < 8, f"4x the text took {ratio:.1f}x as long"


def test_deeply_nested_attributes_render_empty() -> None:
    nested: dict[str, object] = {}
    node = nested
    for _ in range(5000):
        child: dict[str, object] = {}
        node["a"] = child
        node = child
    event = make_event(attributes={"deep": nested})
    assert parse("{{deep}}").render(event).text == ""


def test_cache_is_bounded() -> None:
    info = parse.cache_info()
    assert info.maxsize is not None and info.maxsize <= 4096


def test_odd_priorities_do_not_grow_the_specialisations() -> None:
    template = Template("{{#is_priority 'P1'}}page{{/is_priority}}")
    for n in range(500):
        assert template.render(make_event(priority=f"urgent-{n}")).text == ""
    assert template.render(make_event(priority="p1")).text == "page"
    assert len(template._plans) <= 2
