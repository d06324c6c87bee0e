"""Renders per second of a realistic monitor message: casebot's `handles` against
Jinja2 (SandboxedEnvironment, compiled once) and chevron (pre-tokenized), all
measured in this run, plus compiles per second.

The message is ~1 KB with 6 conditional blocks (2 negated, 1 is_match), 8
variables and 3 handles; it is rendered for 4 transitions in turn. casebot's
figure includes building the render scope from an `Event`, Slack escaping and
extracting the mentions; Jinja2 and chevron get a context dict prepared
outside the timed loop and return only text, so the comparison favours them.

    .venv/bin/python bench/render.py [--seconds 0.005] [--rounds 300]
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import chevron
import chevron.tokenizer
from jinja2.sandbox import SandboxedEnvironment

from handles import Event, State, Transition, extract_mentions, parse
from handles.conditions import true_conditionals
from handles.template import Template

MESSAGE = """\
{{#is_alert}}
**{{service.name}} error rate is {{value}}%** in {{env.name}}
(alert when {{comparator}} {{threshold}}%).
A case is opened for the storage team. @case-storage @slack-ops-alerts
{{/is_alert}}
{{#is_warning}}
Error rate on {{service.name}} is climbing: {{value}}%
(warning at {{warn_threshold}}%). @slack-ops-alerts
{{/is_warning}}
{{#is_recovery}}
{{service.name}} error rate is back under {{threshold}}% in {{env.name}}.
@case-storage @slack-ops-alerts
{{/is_recovery}}
{{#is_match "host.name" "db"}}
Database host {{host.name}} is involved: page the database on-call. @pagerduty-dba
{{/is_match}}
{{^is_renotify}}
Runbook: https://runbooks.example.com/web/error-rate - check the request dashboard first, then
the deploy log; roll back the last deploy if the error rate rose right after it went out.
{{/is_renotify}}
{{^is_no_data}}
Region {{region.name}}, first triggered {{first_triggered_at}};
escalation policy: storage-primary.
{{/is_no_data}}
"""

JINJA = """\
{% if is_alert %}
**{{ service.name }} error rate is {{ value }}%** in {{ env.name }}
(alert when {{ comparator }} {{ threshold }}%).
A case is opened for the storage team. @case-storage @slack-ops-alerts
{% endif %}
{% if is_warning %}
Error rate on {{ service.name }} is climbing: {{ value }}%
(warning at {{ warn_threshold }}%). @slack-ops-alerts
{% endif %}
{% if is_recovery %}
{{ service.name }} error rate is back under {{ threshold }}% in {{ env.name }}.
@case-storage @slack-ops-alerts
{% endif %}
{% if "db" in host.name %}
Database host {{ host.name }} is involved: page the database on-call. @pagerduty-dba
{% endif %}
{% if not is_renotify %}
Runbook: https://runbooks.example.com/web/error-rate - check the request dashboard first, then
the deploy log; roll back the last deploy if the error rate rose right after it went out.
{% endif %}
{% if not is_no_data %}
Region {{ region.name }}, first triggered {{ first_triggered_at }};
escalation policy: storage-primary.
{% endif %}
"""

# chevron has no is_match: the benchmark hands it a precomputed `is_match_db`.
MUSTACHE = MESSAGE.replace('{{#is_match "host.name" "db"}}', "{{#is_match_db}}").replace(
    "{{/is_match}}", "{{/is_match_db}}"
)

TRANSITIONS = (
    Transition(State.OK, State.ALERT, priority="P2"),
    Transition(State.ALERT, State.WARN, priority="P2"),
    Transition(State.WARN, State.OK, priority="P2"),
    Transition(State.ALERT, State.ALERT, renotify=True, priority="P2"),
)
FIRST = datetime(2026, 11, 21, 3, 5, 10, tzinfo=UTC)
TAGS = ("env:prod", "host:db-3", "region:eu-west-1", "service:web-store", "team:storage")
VALUES: dict[str, str | int | float] = {
    "value": 93.5,
    "threshold": 90,
    "warn_threshold": 80,
    "comparator": ">",
}


def events() -> list[Event]:
    return [
        Event(t, tags=TAGS, values=VALUES, first_triggered_at=FIRST, occurred_at=FIRST)
        for t in TRANSITIONS
    ]


def context_of(event: Event) -> dict[str, object]:
    """The Jinja2 context a Jinja-based casebot would build for each delivery."""
    context: dict[str, object] = dict.fromkeys(true_conditionals(event.transition), True)
    context.update(event.values)
    for tag in event.tags:
        key, _, value = tag.partition(":")
        context[key] = {"name": value}
    if event.first_triggered_at is not None:
        context["first_triggered_at"] = event.first_triggered_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return context


def contexts() -> list[dict[str, object]]:
    """What Jinja2 and chevron are given: a ready dict per transition."""
    result = []
    for transition in TRANSITIONS:
        flags = true_conditionals(transition)
        context: dict[str, object] = {name: True for name in flags}
        context.update(VALUES)
        for tag in TAGS:
            key, _, value = tag.partition(":")
            context[key] = {"name": value}
        context["first_triggered_at"] = "2026-11-21 03:05:10 UTC"
        context["is_match_db"] = True
        result.append(context)
    return result


def calibrate(fn: Callable[[], object], seconds: float) -> int:
    """Calls of `fn` that take about `seconds`."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 2:
            return max(1, int(calls * seconds / elapsed))
        calls *= 2


def rates(engines: list[Callable[[], object]], seconds: float, rounds: int) -> list[float]:
    """Best calls per second of each engine over the rounds.

    The engines take turns in every round, so a change in machine load during
    the run affects all of them alike; the best round is the one least
    disturbed by other processes (as `timeit` recommends). The ratios are
    what to read.
    """
    batches = [calibrate(fn, seconds) for fn in engines]
    samples: list[list[float]] = [[] for _ in engines]
    for _ in range(rounds):
        for fn, batch, sample in zip(engines, batches, samples, strict=True):
            start = time.perf_counter()
            for _ in range(batch):
                fn()
            sample.append(batch / (time.perf_counter() - start))
    return [max(sample) for sample in samples]


def four(render: Callable[[Any], object], inputs: list[Any]) -> Callable[[], object]:
    """A callable that renders the 4 transitions, calling `render` directly so the
    harness adds as little as possible to any engine's time."""
    a, b, c, d = inputs

    def call() -> None:
        render(a)
        render(b)
        render(c)
        render(d)

    return call


def table(what: str, names: list[str], values: list[float]) -> None:
    print()
    print(f"| {what:<44} | {'per second':>11} | {'vs Jinja2':>9} |")
    print(f"|{'-' * 46}|{'-' * 13}|{'-' * 11}|")
    for name, value in zip(names, values, strict=True):
        print(f"| {name:<44} | {value:>11,.0f} | {value / values[0]:>8.2f}x |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.005, help="time per batch")
    parser.add_argument("--rounds", type=int, default=300, help="interleaved rounds")
    args = parser.parse_args()

    template = parse(MESSAGE)
    evs = events()
    ctxs = contexts()
    jinja = SandboxedEnvironment(autoescape=True).from_string(JINJA)
    tokens = list(chevron.tokenizer.tokenize(MUSTACHE))

    # Same handles fire in every engine (a guard against comparing different work).
    for i, event in enumerate(evs):
        ours = {m.raw for m in template.render(event).mentions}
        theirs = {m.raw for m in extract_mentions(jinja.render(ctxs[i]))}
        assert ours == theirs, (TRANSITIONS[i], ours, theirs)

    texts = [template.render(e).text for e in evs]
    names = [
        "Jinja2 SandboxedEnvironment, compiled once",
        "chevron, pre-tokenized",
        "handles: Template.render (text + mentions)",
        "handles: extract_mentions alone",
        "Jinja2 + extract_mentions",
        "Jinja2 + context from the Event + mentions",
    ]
    engines = [
        four(jinja.render, ctxs),
        four(functools.partial(chevron.render, tokens), ctxs),
        four(template.render, evs),
        four(extract_mentions, texts),
        four(lambda context: extract_mentions(jinja.render(context)), ctxs),
        four(lambda event: extract_mentions(jinja.render(context_of(event))), evs),
    ]
    print(f"message: {len(MESSAGE)} characters, 4 transitions, Python {sys.version.split()[0]}")
    print(f"best of {args.rounds} interleaved rounds of ~{args.seconds * 1000:.0f} ms each")
    # Each call renders the 4 transitions.
    table("render", names, [4 * rate for rate in rates(engines, args.seconds, args.rounds)])

    env = SandboxedEnvironment(autoescape=True)
    counter = [0]

    def fresh() -> str:
        counter[0] += 1
        return MESSAGE + str(counter[0])  # distinct text each time: no cache

    def compile_and_render() -> object:
        return Template(fresh()).render(evs[0])

    compile_names = [
        "Jinja2 SandboxedEnvironment.from_string",
        "chevron tokenize",
        "handles: parse (uncached Template)",
        "handles: parse + first render",
    ]
    compile_engines = [
        lambda: env.from_string(JINJA),
        lambda: list(chevron.tokenizer.tokenize(MUSTACHE)),
        lambda: Template(fresh()),
        compile_and_render,
    ]
    table("compile", compile_names, rates(compile_engines, args.seconds, max(3, args.rounds // 3)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
