"""Property-based tests: hostile text never escapes the error tree, parsed
templates always render, and the two spellings mean the same thing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handles import Event, State, TemplateSyntaxError, Transition, extract_mentions, parse
from handles.conditions import TRANSITION_CONDITIONALS

pytestmark = pytest.mark.slow

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Generated templates are larger; fewer of them keep the suite quick on a busy machine.
GRAMMAR = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments that exercise the lexer's edges, mixed with arbitrary text.
FRAGMENTS = [
    "{{",
    "}}",
    "{{{",
    "}}}",
    "{{{{",
    "}}}}",
    "<<",
    ">>",
    "<<<",
    ">>>",
    "#",
    "^",
    "/",
    "!",
    "--",
    "else",
    "is_alert",
    "is_recovery",
    "is_match",
    "value",
    "host.name",
    "raw",
    '"',
    "'",
    " ",
    "\n",
    "@case-x",
    "@",
    "[a.b]",
    ".",
    "eval",
    "1+2",
    "(",
    ")",
    "override_priority",
    "'P1'",
    "local_time",
    "é",
    "\t",
    "\r\n",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=40
).map("".join)


@FAST
@given(hostile_text)
def test_any_text_parses_or_raises_a_syntax_error_with_a_valid_position(text: str) -> None:
    try:
        parse(text)
    except TemplateSyntaxError as error:
        lines = text.split("\n")
        assert 1 <= error.line <= len(lines)
        assert 1 <= error.col <= len(lines[error.line - 1]) + 1
        assert error.message


states = st.sampled_from(list(State))
events = st.builds(
    lambda previous, current, renotify, priority, tags, values: Event(
        Transition(previous, current, renotify, priority), tags=tags, values=values
    ),
    st.one_of(st.none(), states),
    states,
    st.booleans(),
    st.sampled_from([None, "P1", "P2", "p3", "P5"]),
    st.lists(
        st.builds(
            lambda k, v: f"{k}:{v}",
            st.sampled_from(["host", "env", "service", "team"]),
            st.text(alphabet="ab-@<>&.( \n", max_size=6),
        ),
        max_size=5,
    ).map(tuple),
    st.dictionaries(
        st.sampled_from(["value", "threshold", "comparator", "x"]),
        st.one_of(st.integers(), st.floats(allow_nan=True), st.text(max_size=8)),
        max_size=4,
    ),
)


@FAST
@given(hostile_text, events)
def test_a_parsed_template_renders_for_any_event(text: str, event: Event) -> None:
    try:
        template = parse(text)
    except TemplateSyntaxError:
        return
    rendered = template.render(event)
    assert rendered.mentions == extract_mentions(rendered.text)


# A small grammar of well-formed templates, printed in either spelling.
@dataclass(frozen=True)
class Block:
    sigil: str
    name: str
    args: str
    body: tuple[object, ...]
    otherwise: tuple[object, ...] | None


@dataclass(frozen=True)
class Var:
    path: str
    raw: bool


@dataclass(frozen=True)
class Comment:
    text: str


@dataclass(frozen=True)
class Raw:
    text: str


plain_text = st.text(alphabet="ab @-_.,:\n!?()*`x", max_size=12)
leaves = st.one_of(
    plain_text,
    st.sampled_from(
        ["@case-a", " @slack-b ", "@case-", "@jane@example.com", "@workflow-w(a=1, b=2)"]
    ),
    st.builds(
        Var,
        st.sampled_from(["value", "host.name", "env.name", "missing", "comparator"]),
        st.booleans(),
    ),
    st.builds(Comment, st.text(alphabet="ab cd", max_size=6)),
    st.builds(
        Raw,
        st.text(alphabet="ab{}#/ <@", max_size=8).filter(
            lambda t: "{{{{" not in t and "<<<<" not in t and "}}" not in t and ">>" not in t
        ),
    ),
    st.sampled_from(
        ['{{eval "value*2"}}', "{{override_priority 'P2'}}", '{{urlencode "host.name"}}']
    ),
)
section_names = st.one_of(
    st.sampled_from(TRANSITION_CONDITIONALS).map(lambda n: (n, "")),
    st.just(("is_priority", " 'P1'")),
    st.just(("is_match", ' "host.name" "a"')),
    st.just(("is_exact_match", ' "env.name" "b"')),
    st.just(("host.name", "")),
)


def _blocks(children: st.SearchStrategy[tuple[object, ...]]) -> st.SearchStrategy[object]:
    return st.builds(
        lambda sigil, named, body, otherwise: Block(sigil, named[0], named[1], body, otherwise),
        st.sampled_from(["#", "^"]),
        section_names,
        children,
        st.one_of(st.none(), children),
    )


nodes = st.recursive(
    leaves, lambda inner: _blocks(st.lists(inner, max_size=4).map(tuple)), max_leaves=25
)
templates = st.lists(nodes, max_size=8).map(tuple)


def show(items: tuple[object, ...], styles: st.DataObject | None, default: str) -> str:
    out = []
    for item in items:
        style = default if styles is None else styles.draw(st.sampled_from(["{{", "<<"]))
        o, c = style, "}}" if style == "{{" else ">>"
        if isinstance(item, str):
            out.append(
                item if not item.startswith("{{") else item.replace("{{", o).replace("}}", c)
            )
        elif isinstance(item, Var):
            out.append(f"{o}{o[0]}{item.path}{c}{c[0]}" if item.raw else f"{o}{item.path}{c}")
        elif isinstance(item, Comment):
            out.append(f"{o}!{item.text}{c}")
        elif isinstance(item, Raw):
            out.append(f"{o}{o}raw{c}{c}{item.text}{o}{o}/raw{c}{c}")
        else:
            assert isinstance(item, Block)
            inner = show(item.body, styles, default)
            rest = (
                ""
                if item.otherwise is None
                else f"{o}else{c}" + show(item.otherwise, styles, default)
            )
            out.append(f"{o}{item.sigil}{item.name}{item.args}{c}{inner}{rest}{o}/{item.name}{c}")
    return "".join(out)


@GRAMMAR
@given(templates, events, st.data())
def test_both_spellings_render_identically(
    items: tuple[object, ...], event: Event, data: st.DataObject
) -> None:
    curly = parse(show(items, None, "{{")).render(event)
    angle = parse(show(items, None, "<<")).render(event)
    mixed = parse(show(items, data, "{{")).render(event)
    assert curly == angle == mixed


@GRAMMAR
@given(templates, events)
def test_well_formed_templates_always_parse_and_render(
    items: tuple[object, ...], event: Event
) -> None:
    rendered = parse(show(items, None, "{{")).render(event)
    assert rendered.mentions == extract_mentions(rendered.text)
