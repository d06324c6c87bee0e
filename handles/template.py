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

A template may be rendered from several threads at once: the specialisations
it builds on first use live in dicts, so a race only builds one twice.
"""

from __future__ import annotations

from functools import lru_cache

from handles.body import Body, Slotted
from handles.conditions import TRANSITION_CONDITIONALS, true_conditionals
from handles.mentions import extract_mentions
from handles.nodes import Helper, Node, Section, Text, Variable
from handles.parser import parse_nodes
from handles.scope import MentionPart, Scope
from handles.slots import Slot, Test, data_test, helper_slot, string_of, variable_slot
from handles.tags import PRIORITIES
from handles.types import Event, Mention, Rendered, State

_Key = tuple[object, State, bool, str]
_TRUE, _FALSE = (True,), (False,)

# `Rendered(...)` costs four `object.__setattr__` calls (it is a frozen
# dataclass); the renderer builds one per delivery, so it fills the slots
# directly. The result is the same object `Rendered(...)` would build.
_new_object = object.__new__
_set_text = vars(Rendered)["text"].__set__
_set_mentions = vars(Rendered)["mentions"].__set__
_set_priority = vars(Rendered)["priority"].__set__
_set_warnings = vars(Rendered)["warnings"].__set__


def _rendered(
    text: str, mentions: tuple[Mention, ...], priority: str | None, warnings: tuple[str, ...]
) -> Rendered:
    result: Rendered = _new_object(Rendered)
    _set_text(result, text)
    _set_mentions(result, mentions)
    _set_priority(result, priority)
    _set_warnings(result, warnings)
    return result


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
        tests: dict[int, Test],
    ) -> None:
        self.flags = flags
        self.priority = priority
        self.outcomes = outcomes
        self.tests = tests
        self.counter = 0

    def body(self, nodes: tuple[Node, ...], *, line: int, col: int, top: bool) -> Body:
        items: list[str | Slotted] = []
        self.flatten(nodes, items)
        return Body(items, line=line, col=col, top=top)

    def branch(self, node: Section) -> tuple[Node, ...] | None:
        """The branch of `node` already decided for this body, or None for a data slot."""
        if node.name in TRANSITION_CONDITIONALS and not node.args:
            chosen = node.name in self.flags
        elif node.name == "is_priority":
            chosen = string_of(node.args[0]).upper() == self.priority
        elif id(node) in self.outcomes:
            chosen = self.outcomes[id(node)]
        else:
            return None
        return node.body if chosen != node.negated else node.otherwise

    def flatten(self, nodes: tuple[Node, ...], items: list[str | Slotted]) -> None:
        # Recursion is bounded by the parser's MAX_DEPTH.
        for node in nodes:
            if isinstance(node, Text):
                items.append(node.value)
            elif isinstance(node, Variable):
                key = (node.path.segments, node.raw)
                items.append(Slotted(key, variable_slot(node), 1))
            elif isinstance(node, Helper):
                slot = helper_slot(node)
                if slot is not None:
                    items.append(Slotted(self.unique(), slot, 1))
            else:
                chosen = self.branch(node)
                if chosen is not None:
                    self.flatten(chosen, items)
                else:
                    items.append(Slotted(self.unique(), self.data_section(node), 0))

    def unique(self) -> int:
        self.counter += 1
        return self.counter

    def data_section(self, node: Section) -> Slot:
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
        self.bodies: dict[tuple[bool, ...], Body] = {}

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

    def body(self, outcomes: tuple[bool, ...]) -> Body:
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


def _data_sections(nodes: tuple[Node, ...], found: dict[int, Test]) -> None:
    for node in nodes:
        if isinstance(node, Section):
            is_transition = node.name in TRANSITION_CONDITIONALS and not node.args
            if not is_transition and node.name != "is_priority":
                found[id(node)] = data_test(node)
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
        self._tests: dict[int, Test] | None = None

    def data_tests(self) -> dict[int, Test]:
        """The test of every data section, by node identity (the nodes live as long
        as the template); built with the first specialisation."""
        if self._tests is None:
            tests: dict[int, Test] = {}
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
            outcome = _TRUE if tests[0](scope) else _FALSE
            body = plan.bodies.get(outcome) or plan.body(outcome)
        else:
            outcomes = tuple([test(scope) for test in tests])
            body = plan.bodies.get(outcomes) or plan.body(outcomes)
        text = body.render(scope)
        warnings = tuple(scope.warnings) if scope.warnings else ()
        part = body.part
        if part is not None and part[1] == text.count("@"):
            mentions = part[0]  # the common case, without a call
        else:
            mentions = _mentions(text, part)
        return _rendered(text, mentions, scope.priority, warnings)

    def __repr__(self) -> str:
        preview = self.source if len(self.source) <= 40 else self.source[:37] + "..."
        return f"Template({preview!r})"


def _mentions(text: str, part: MentionPart | None) -> tuple[Mention, ...]:
    """Handles of `text`: the flat body's precomputed ones when its literals hold
    every `@` of the text (nothing a variable or a nested body wrote can then
    be a handle), else those found by scanning the text."""
    count = text.count("@")
    if not count:
        return ()
    if part is not None and part[1] == count:
        return part[0]
    return extract_mentions(text)


@lru_cache(maxsize=2048)
def parse(text: str) -> Template:
    """Parse and compile `text` once; later calls with the same text reuse it.

    Raises TemplateSyntaxError (with `.line` and `.col`) for malformed text.
    """
    return Template(text)
