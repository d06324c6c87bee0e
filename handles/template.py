"""A parsed template, specialised per transition into flat pieces, and `parse`.

Rendering is the hot path (every delivery), so a template is partially
evaluated once per kind of transition: the transition conditionals
(`is_alert`, `is_recovery`, …) and `is_priority` are decided ahead of time,
which leaves a flat list of text with slots for variables, helpers and the
few sections that depend on the event's data (`is_match`, variable sections).
Rendering then computes each distinct slot once, checks the output budget,
fills a copy of the skeleton and joins it. There are at most a few dozen
transition kinds, so the specialisations per template are bounded.

Mentions are those of the rendered text, but the handles written in the
template's own text are found at specialisation time: a literal whose `@`s
all sit in whole whitespace-delimited words contributes its precomputed
handles. If the rendered text holds any other `@` (from a variable, or a word
that straddles a slot), the whole text is scanned instead, so the result
always equals `extract_mentions(text)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote

from handles.clock import load_zone, local_text
from handles.conditions import TRANSITION_CONDITIONALS, true_conditionals
from handles.errors import TemplateError
from handles.expression import EvalFailure, format_value
from handles.limits import MAX_OUTPUT_CHARS
from handles.mentions import extract_mentions
from handles.nodes import Argument, Helper, Literal, Node, Section, Text, Variable
from handles.parser import PRIORITIES, parse_nodes, parse_path
from handles.scope import MentionPart, Scope
from handles.types import Event, Mention, Rendered, State
from handles.variables import (
    as_text,
    as_texts,
    event_moment,
    fill_variables,
    resolver,
    text_resolver,
    value_resolver,
    variable_spec,
)

_Slot = Callable[[Scope], str]
_Test = Callable[[Scope], bool]
_Key = tuple[object, State, bool, str]


def escape(text: str) -> str:
    """Escape for Slack mrkdwn: `<!channel>` in a tag value must not ping anyone."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _too_long(line: int, col: int) -> TemplateError:
    return TemplateError(f"rendered text would exceed {MAX_OUTPUT_CHARS} characters", line, col)


def _string(arg: Argument) -> str:
    return arg.value if isinstance(arg, Literal) else arg.source


def _path_segments(name: str) -> tuple[str, ...]:
    try:
        return parse_path(name, 1, 1).segments
    except TemplateError:
        return (name,)


# --- slots: the pieces whose text depends on the event ---------------------------


def _variable_slot(node: Variable) -> _Slot:
    return text_resolver(node.path.segments, escape=None if node.raw else escape)


def _helper_slot(node: Helper) -> _Slot | None:
    name, args, line, col = node.name, node.args, node.line, node.col
    if name == "override_priority":
        priority = _string(args[0]).upper()

        def override(scope: Scope) -> str:
            scope.priority = priority
            return ""

        return override
    if name == "eval" and node.expression is not None:
        evaluate = node.expression.evaluate
        resolvers = {v: resolver(_path_segments(v)) for v in node.expression.variables}

        def run_eval(scope: Scope) -> str:
            try:
                value = evaluate(lambda variable: resolvers[variable](scope))
            except EvalFailure as exc:
                scope.warn(f"line {line}, column {col}: eval: {exc}")
                return ""
            return escape(format_value(value))

        return run_eval
    if name == "urlencode":
        resolve = resolver(_path_segments(_string(args[0])))
        return lambda scope: quote(as_text(resolve(scope)), safe="")
    if name == "local_time":
        return _local_time_slot(_string(args[0]), _string(args[1]))
    return None  # unknown helpers render nothing; lint reports them


def _local_time_slot(variable: str, zone_name: str) -> _Slot | None:
    zone = load_zone(zone_name)
    if zone is None:
        return None
    resolve = resolver(_path_segments(variable))

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


def _match_test(name: str, args: tuple[Argument, ...]) -> _Test:
    resolve = value_resolver(_path_segments(_string(args[0])))
    candidates = tuple(_string(arg) for arg in args[1:])
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


def _data_test(node: Section) -> _Test:
    """The test of a section that depends on the event's data, not its transition."""
    if node.name in ("is_match", "is_exact_match"):
        return _match_test(node.name, node.args)
    if node.args:
        return lambda scope: False  # an unknown conditional with arguments
    # Any other name is a variable: true when not empty (Mustache's rule). An
    # unknown `is_…` name (a typo lint reports) is looked up the same way.
    name = node.name
    resolve = resolver((name,) if name.startswith("is_") else _path_segments(name))
    return lambda scope: bool(as_text(resolve(scope)))


# --- specialisation ---------------------------------------------------------------

_HEAD = re.compile(r"\S*")
_TAIL = re.compile(r"\S*\Z")


def _literal_part(value: str, *, at_start: bool, at_end: bool) -> tuple[int, MentionPart | None]:
    """How many `@` of `value` are in whole words, and those words' handles.

    A word touching an edge of `value` may continue in the neighbouring slot,
    unless that edge is the start or end of the whole text.
    """
    if "@workflow-" in value:
        return 0, None  # the workflow argument form may run past this literal
    start = 0 if at_start else _HEAD.match(value).end()  # type: ignore[union-attr]
    end = len(value) if at_end else _TAIL.search(value).start()  # type: ignore[union-attr]
    if start >= end:
        return 0, None
    inner = value[start:end]
    count = inner.count("@")
    return count, ((extract_mentions(inner), count) if count else None)


@dataclass(frozen=True, slots=True)
class _Slotted:
    """One occurrence of a slot in a body, before the body is assembled."""

    key: object
    slot: _Slot
    # Characters a slot's text adds to the output per occurrence (sections are
    # charged by their own body, so they weigh 0 here).
    weight: int


class _Body:
    """Text with slots, specialised for one transition kind."""

    __slots__ = ("col", "line", "part", "skeleton", "slots", "static_len", "text", "variables")

    def __init__(self, items: list[str | _Slotted], *, line: int, col: int, top: bool) -> None:
        self.line, self.col = line, col
        skeleton: list[str] = []
        slots: list[tuple[_Slot, int, list[int]]] = []
        index_of: dict[object, int] = {}
        pending: list[str] = []
        literals: list[tuple[int, str]] = []
        for item in items:
            if isinstance(item, str):
                pending.append(item)
                continue
            if pending:
                literals.append((len(skeleton), "".join(pending)))
                skeleton.append(literals[-1][1])
                pending = []
            index = index_of.get(item.key)
            if index is None:
                index = index_of[item.key] = len(slots)
                slots.append((item.slot, 0, []))
            slot, weight, positions = slots[index]
            positions.append(len(skeleton))
            slots[index] = (slot, weight + item.weight, positions)
            skeleton.append("")
        if pending:
            literals.append((len(skeleton), "".join(pending)))
            skeleton.append(literals[-1][1])
        self.skeleton = skeleton
        keys = list(index_of)
        # Plain variables are filled by one inline loop; other slots are called.
        self.variables = tuple(
            variable_spec(key[0], escaped=not key[1], weight=weight, positions=tuple(where))
            for key, (_, weight, where) in zip(keys, slots, strict=True)
            if isinstance(key, tuple)
        )
        # (slot, characters per character of its text, where its text goes)
        self.slots = tuple(
            (slot, weight, tuple(where))
            for key, (slot, weight, where) in zip(keys, slots, strict=True)
            if not isinstance(key, tuple)
        )
        self.static_len = sum(len(text) for _, text in literals)
        self.text = "".join(skeleton) if not slots else None
        self.part = self._mention_part(literals, len(skeleton), top)

    @staticmethod
    def _mention_part(literals: list[tuple[int, str]], size: int, top: bool) -> MentionPart | None:
        found: dict[tuple[str, str, tuple[tuple[str, str], ...]], Mention] = {}
        total = 0
        for position, text in literals:
            count, part = _literal_part(
                text, at_start=top and position == 0, at_end=top and position == size - 1
            )
            total += count
            for mention in part[0] if part else ():
                found.setdefault((mention.kind, mention.name, mention.args), mention)
        return (tuple(found.values()), total) if total else None

    def render(self, scope: Scope) -> str:
        if self.part is not None:
            scope.parts.append(self.part)
        if self.text is not None:
            scope.budget -= self.static_len
            if scope.budget < 0:
                raise _too_long(self.line, self.col)
            return self.text
        buffer = self.skeleton.copy()
        total = self.static_len
        if self.variables:
            total += fill_variables(scope, self.variables, buffer, escape)
        for slot, weight, positions in self.slots:
            value = slot(scope)
            total += len(value) * weight
            for position in positions:
                buffer[position] = value
        # Checked before joining, so a small template cannot allocate a huge text.
        scope.budget -= total
        if scope.budget < 0:
            raise _too_long(self.line, self.col)
        return "".join(buffer)


# Sections that test the event's data (`is_match`, …) are decided before the
# text is assembled, up to this many per transition kind; the outcomes select
# one of at most 2**N flat bodies, built on first use. Further such sections
# become slots that pick a body at render time.
MAX_DECIDED_SECTIONS = 6


class _Specialiser:
    """Builds the flat bodies of one template for one transition kind and outcome set."""

    def __init__(
        self,
        flags: frozenset[str],
        priority: str,
        outcomes: dict[int, bool],
        tests: dict[int, _Test],
    ) -> None:
        self.flags = flags
        self.priority = priority
        self.outcomes = outcomes
        self.tests = tests
        self.counter = 0

    def body(self, nodes: tuple[Node, ...], *, line: int, col: int, top: bool) -> _Body:
        items: list[str | _Slotted] = []
        self.flatten(nodes, items)
        return _Body(items, line=line, col=col, top=top)

    def branch(self, node: Section) -> tuple[Node, ...] | None:
        """The branch of `node` already decided for this body, or None for a data slot."""
        if node.name in TRANSITION_CONDITIONALS and not node.args:
            chosen = node.name in self.flags
        elif node.name == "is_priority":
            chosen = _string(node.args[0]).upper() == self.priority
        elif id(node) in self.outcomes:
            chosen = self.outcomes[id(node)]
        else:
            return None
        return node.body if chosen != node.negated else node.otherwise

    def flatten(self, nodes: tuple[Node, ...], items: list[str | _Slotted]) -> None:
        # Recursion is bounded by the parser's MAX_DEPTH.
        for node in nodes:
            if isinstance(node, Text):
                items.append(node.value)
            elif isinstance(node, Variable):
                key = (node.path.segments, node.raw)
                items.append(_Slotted(key, _variable_slot(node), 1))
            elif isinstance(node, Helper):
                slot = _helper_slot(node)
                if slot is not None:
                    items.append(_Slotted(self.unique(), slot, 1))
            else:
                chosen = self.branch(node)
                if chosen is not None:
                    self.flatten(chosen, items)
                else:
                    items.append(_Slotted(self.unique(), self.data_section(node), 0))

    def unique(self) -> int:
        self.counter += 1
        return self.counter

    def data_section(self, node: Section) -> _Slot:
        test = self.tests[id(node)]
        body = self.body(node.body, line=node.line, col=node.col, top=False)
        otherwise = self.body(node.otherwise, line=node.line, col=node.col, top=False)
        if node.negated:
            body, otherwise = otherwise, body

        def section(scope: Scope) -> str:
            return (body if test(scope) else otherwise).render(scope)

        return section


class _Plan:
    """One transition kind of a template: which data tests to run, and the bodies
    for each combination of their outcomes."""

    __slots__ = ("bodies", "decided", "flags", "priority", "template", "tests")

    def __init__(self, template: Template, flags: frozenset[str], priority: str) -> None:
        self.template = template
        self.flags = flags
        self.priority = priority
        probe = _Specialiser(flags, priority, {}, template.data_tests())
        decided: list[Section] = []
        self._collect(probe, template.nodes, decided)
        self.decided = tuple(decided)
        self.tests = tuple(template.data_tests()[id(node)] for node in decided)
        self.bodies: dict[tuple[bool, ...], _Body] = {}

    @staticmethod
    def _collect(probe: _Specialiser, nodes: tuple[Node, ...], found: list[Section]) -> None:
        for node in nodes:
            if not isinstance(node, Section):
                continue
            chosen = probe.branch(node)
            if chosen is not None:
                _Plan._collect(probe, chosen, found)
                continue
            if len(found) < MAX_DECIDED_SECTIONS:
                found.append(node)
            _Plan._collect(probe, node.body, found)
            _Plan._collect(probe, node.otherwise, found)

    def body(self, outcomes: tuple[bool, ...]) -> _Body:
        body = self.bodies.get(outcomes)
        if body is None:
            decided = {
                id(node): result for node, result in zip(self.decided, outcomes, strict=True)
            }
            template = self.template
            specialiser = _Specialiser(self.flags, self.priority, decided, template.data_tests())
            line, col = _first_position(template.nodes)
            body = specialiser.body(template.nodes, line=line, col=col, top=True)
            self.bodies[outcomes] = body
        return body


def _first_position(nodes: tuple[Node, ...]) -> tuple[int, int]:
    for node in nodes:
        if not isinstance(node, Text):
            return node.line, node.col
    return 1, 1


def _data_sections(nodes: tuple[Node, ...], found: dict[int, _Test]) -> None:
    for node in nodes:
        if isinstance(node, Section):
            is_transition = node.name in TRANSITION_CONDITIONALS and not node.args
            if not is_transition and node.name != "is_priority":
                found[id(node)] = _data_test(node)
            _data_sections(node.body, found)
            _data_sections(node.otherwise, found)


class Template:
    """A compiled notification message. Build with `handles.parse(text)`."""

    __slots__ = ("_plans", "_tests", "_uses_priority", "nodes", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes = parse_nodes(source)
        self._plans: dict[_Key, _Plan] = {}
        self._uses_priority = "is_priority" in source
        self._tests: dict[int, _Test] | None = None

    def data_tests(self) -> dict[int, _Test]:
        """The test of every data section, by node identity (the nodes live as long
        as the template); built with the first specialisation."""
        if self._tests is None:
            tests: dict[int, _Test] = {}
            _data_sections(self.nodes, tests)
            self._tests = tests
        return self._tests

    def render(self, event: Event) -> Rendered:
        """Render for one event; the mentions are those of the rendered text.

        Raises TemplateError only when the output would exceed MAX_OUTPUT_CHARS.
        """
        transition = event.transition
        priority = ""
        if self._uses_priority and transition.priority:
            # Only P1..P5 can match `is_priority`; anything else keys as "" so
            # odd priorities cannot grow the plans.
            priority = transition.priority.upper()
            if priority not in PRIORITIES:
                priority = ""
        # Keyed by the transition's own fields: a few more plans than distinct
        # truth-table rows, but no table lookup on the hot path.
        key = (transition.previous, transition.current, transition.renotify, priority)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self, true_conditionals(transition), priority)
        scope = Scope(event)
        tests = plan.tests
        if not tests:
            body = plan.bodies.get(()) or plan.body(())
        elif len(tests) == 1:
            outcome = (tests[0](scope),)
            body = plan.bodies.get(outcome) or plan.body(outcome)
        else:
            outcomes = tuple([test(scope) for test in tests])
            body = plan.bodies.get(outcomes) or plan.body(outcomes)
        text = body.render(scope)
        warnings = tuple(scope.warnings) if scope.warnings else ()
        parts = scope.parts
        if len(parts) == 1 and parts[0][1] == text.count("@"):
            mentions = parts[0][0]  # the common case: every `@` was known in advance
        else:
            mentions = _mentions(text, parts)
        return Rendered(text, mentions, scope.priority, warnings)

    def __repr__(self) -> str:
        preview = self.source if len(self.source) <= 40 else self.source[:37] + "..."
        return f"Template({preview!r})"


def _mentions(text: str, parts: list[MentionPart]) -> tuple[Mention, ...]:
    """Handles of `text`, from the literals' precomputed parts when they hold every `@`."""
    count = text.count("@")
    if not count:
        return ()
    if len(parts) == 1:
        if parts[0][1] == count:
            return parts[0][0]
    elif parts and sum(part[1] for part in parts) == count:
        merged: dict[tuple[str, str, tuple[tuple[str, str], ...]], Mention] = {}
        for found, _ in parts:
            for mention in found:
                merged.setdefault((mention.kind, mention.name, mention.args), mention)
        return tuple(merged.values())
    return extract_mentions(text)


@lru_cache(maxsize=2048)
def parse(text: str) -> Template:
    """Parse and compile `text` once; later calls with the same text reuse it.

    Raises TemplateSyntaxError (with `.line` and `.col`) for malformed text.
    """
    return Template(text)
