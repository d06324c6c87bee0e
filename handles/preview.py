"""What a message does on every transition, before any alert fires."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from handles.conditions import TRANSITIONS, transition_name
from handles.nodes import Helper, Literal, Node, Section, Variable
from handles.tags import parse_path
from handles.template import parse
from handles.types import Event, Mention, State, Transition


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One transition: the rendered text and the handles that fire."""

    transition: Transition
    name: str
    text: str
    mentions: tuple[Mention, ...]
    # The override when the text sets one for this transition, else the
    # monitor's own priority.
    priority: str | None
    warnings: tuple[str, ...] = ()


def preview(
    text: str, event: Event, transitions: Iterable[Transition] = TRANSITIONS
) -> list[PreviewRow]:
    """Render `text` for each transition (the standard list by default).

    `event` supplies tags, values, attributes, times and the monitor priority;
    its own transition is replaced by each one in turn. Raises
    TemplateSyntaxError when `text` does not parse.
    """
    template = parse(text)
    rows = []
    for transition in transitions:
        if transition.priority is None and event.transition.priority is not None:
            transition = replace(transition, priority=event.transition.priority)
        rendered = template.render(replace(event, transition=transition))
        rows.append(
            PreviewRow(
                transition=transition,
                name=transition_name(transition),
                text=rendered.text,
                mentions=rendered.mentions,
                priority=rendered.priority or transition.priority,
                warnings=rendered.warnings,
            )
        )
    return rows


SAMPLE_VALUES: dict[str, str | int | float] = {
    "value": 95.2,
    "threshold": 90,
    "warn_threshold": 80,
    "alert_recovery_threshold": 85,
    "warn_recovery_threshold": 75,
    "ok_threshold": 70,
    "comparator": ">",
}
SAMPLE_TIME = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def _paths(nodes: tuple[Node, ...]) -> Iterator[tuple[str, ...]]:
    for node in nodes:
        if isinstance(node, Variable):
            yield node.path.segments
        elif isinstance(node, Section):
            first = node.args[0] if node.args else None
            if node.name in ("is_match", "is_exact_match") and isinstance(first, Literal):
                yield parse_path(first.value, first.line, first.col).segments
            yield from _paths(node.body)
            yield from _paths(node.otherwise)
        elif isinstance(node, Helper) and node.name == "urlencode" and node.args:
            arg = node.args[0]
            if isinstance(arg, Literal):
                yield parse_path(arg.value, arg.line, arg.col).segments


def sample_event(text: str, priority: str | None = None) -> Event:
    """An event that fills every variable `text` uses with a made-up value, so a
    preview reads like a real notification: template variables get numbers, and
    each tag variable `{{key.name}}` gets a tag `key:key-1`."""
    tags = sorted(
        {
            f"{segments[0]}:{segments[0].lstrip('@')}-1"
            for segments in _paths(parse(text).nodes)
            if len(segments) == 2 and segments[1] == "name"
        }
    )
    return Event(
        Transition(None, State.ALERT, priority=priority),
        tags=tuple(tags),
        values=dict(SAMPLE_VALUES),
        first_triggered_at=SAMPLE_TIME,
        last_triggered_at=SAMPLE_TIME,
        occurred_at=SAMPLE_TIME + timedelta(minutes=12),
    )
