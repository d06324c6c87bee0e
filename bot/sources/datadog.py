"""Datadog Webhooks integration: the default payload and casebot's recommended payload.

Both carry the monitor message already rendered by Datadog (`rendered=True`): casebot only
extracts the mentions. The default payload has no monitor id, transition or scope fields,
so they are read from the title (`[P2] [Triggered on {host:web-1}] Disk full`) and from the
monitor link in the body (`/monitors/<id>`). The recommended payload sends them as
`alert_id`, `alert_transition`, `alert_scope`, `alert_cycle_key` and `alert_priority`; a
field it lacks (or sends empty) falls back to the title and body, like the default payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.events import MonitorEvent, Source
from bot.sources.errors import SourceError
from bot.sources.fields import (
    JSONObject,
    bounded_id,
    normalize_priority,
    optional_str,
    parse_epoch_ms,
    required_str,
)
from bot.sources.groups import SIMPLE_GROUP, group_key, split_tags
from handles.types import State


@dataclass(frozen=True, slots=True)
class AlertTransition:
    """What one `$ALERT_TRANSITION` value means for the group.

    `state` None: the value does not say (`Renotify`); `previous` None: the payload does not
    say, and the engine uses the group's stored state.
    """

    state: State | None
    previous: State | None
    renotify: bool


# Keys are lower-cased `$ALERT_TRANSITION` values (also the title's bracket word).
# `Re-*` are Datadog's renotifications of a group that is still in that state, so the
# previous state is the state itself. A first `Triggered`, `Warn` or `No Data` may come
# from OK or from another non-OK state (Warn -> Triggered): the payload does not say which.
# `Recovered` does not say whether the group was in Alert, Warn or No Data either.
ALERT_TRANSITIONS: dict[str, AlertTransition] = {
    "triggered": AlertTransition(State.ALERT, None, renotify=False),
    "re-triggered": AlertTransition(State.ALERT, State.ALERT, renotify=True),
    "warn": AlertTransition(State.WARN, None, renotify=False),
    "re-warn": AlertTransition(State.WARN, State.WARN, renotify=True),
    "no data": AlertTransition(State.NO_DATA, None, renotify=False),
    "re-no data": AlertTransition(State.NO_DATA, State.NO_DATA, renotify=True),
    "recovered": AlertTransition(State.OK, None, renotify=False),
    "renotify": AlertTransition(None, None, renotify=True),
}

# `$ALERT_TYPE` for a `Renotify` whose title has no state word either.
ALERT_TYPE_STATES: dict[str, State] = {"error": State.ALERT, "warning": State.WARN}

# `[P2] [Triggered on {host:web-1,env:prod}] Name` or `[Recovered] Name`. The scope ends at
# the first `}]`: tag values never contain it, a monitor name may contain braces.
_TITLE = re.compile(
    r"""^\s*
    (?:\[(?P<priority>[Pp][1-5])\]\s*)?
    \[(?P<transition>[A-Za-z][A-Za-z -]*?)(?:\s+on\s+\{(?P<scope>.*?)\})?\]\s*
    (?P<name>.*?)\s*$""",
    re.VERBOSE | re.DOTALL,
)
# `/monitors/48213377?…` (current links) or `/monitors#48213377` (older links).
_MONITOR_LINK = re.compile(r"/monitors[/#](\d+)")


@dataclass(frozen=True, slots=True)
class Title:
    transition: str
    scope: str | None
    priority: str | None
    name: str


def parse_title(title: str) -> Title | None:
    """The bracket prefixes of a Datadog event title, or None if it has none."""
    match = _TITLE.match(title)
    if match is None or match["transition"].strip().lower() not in ALERT_TRANSITIONS:
        return None
    priority = match["priority"]
    return Title(
        transition=match["transition"].strip(),
        scope=match["scope"],
        priority=priority.upper() if priority else None,
        name=match["name"],
    )


def strip_markdown_wrapper(body: str) -> str:
    """`$EVENT_MSG` arrives as `%%%\\n…\\n%%%` (Datadog's Markdown marker); keep the inside."""
    text = body.strip()
    if text.startswith("%%%") and text.endswith("%%%") and len(text) >= 6:
        return text[3:-3].strip("\n")
    return body


def parse(payload: JSONObject) -> list[MonitorEvent]:
    """One Datadog delivery -> one event (Datadog sends one notification per group)."""
    title_text = required_str(payload, "title")
    body = required_str(payload, "body", allow_empty=True)
    title = parse_title(title_text)
    transition = _transition(payload, title, title_text)
    state = transition.state or _renotified_state(payload, title)
    scope = optional_str(payload, "alert_scope")
    if scope is None and title is not None:
        scope = title.scope
    if "date" not in payload:
        raise SourceError("date", "is missing")
    tags_text = optional_str(payload, "tags")
    return [
        MonitorEvent(
            source=Source.DATADOG,
            monitor_id=_monitor_id(payload, body),
            monitor_name=title.name if title is not None and title.name else title_text,
            group=group_key(split_tags(scope)) if scope is not None else SIMPLE_GROUP,
            state=state,
            occurred_at=parse_epoch_ms(payload["date"], "date"),
            message=strip_markdown_wrapper(body),
            rendered=True,
            title=title_text,
            # `Renotify` repeats the state it names; the others say what the table says.
            previous_state=state if transition.state is None else transition.previous,
            renotify=transition.renotify,
            priority=_priority(payload, title),
            # The default payload has no `$TAGS`: the group's tags are all it says.
            tags=split_tags(tags_text if tags_text is not None else scope or ""),
            attributes=_attributes(payload),
            delivery_id=optional_str(payload, "id"),
            cycle_key=_cycle_key(payload),
            link=optional_str(payload, "link"),
        )
    ]


def _transition(payload: JSONObject, title: Title | None, title_text: str) -> AlertTransition:
    name = optional_str(payload, "alert_transition")
    if name is not None:
        transition = ALERT_TRANSITIONS.get(name.strip().lower())
        if transition is None:
            raise SourceError(
                "alert_transition",
                f"unknown transition {name!r}; expected one of "
                "Triggered, Re-Triggered, Warn, Re-Warn, No Data, Re-No Data, Recovered, Renotify",
            )
        return transition
    if title is not None:
        return ALERT_TRANSITIONS[title.transition.lower()]
    raise SourceError(
        "title",
        f"{title_text!r} does not start with a transition such as `[Triggered on {{…}}]`, "
        "and the payload has no alert_transition",
    )


def _priority(payload: JSONObject, title: Title | None) -> str | None:
    text = optional_str(payload, "alert_priority")
    if text is None:
        return title.priority if title is not None else None
    priority = normalize_priority(text)
    if priority is None:
        raise SourceError("alert_priority", f"expected P1 to P5, got {text!r}")
    return priority


def _attributes(payload: JSONObject) -> dict[str, object]:
    attributes: dict[str, object] = {}
    for key in ("event_type", "hostname", "alert_type"):
        value = optional_str(payload, key)
        if value is not None:
            attributes[key] = value
    org = payload.get("org")
    if isinstance(org, dict):
        attributes["org"] = {k: v for k, v in org.items() if isinstance(v, str)}
    return attributes


def _renotified_state(payload: JSONObject, title: Title | None) -> State:
    """The state a `Renotify` repeats: from the title's word, else from `alert_type`."""
    if title is not None:
        from_title = ALERT_TRANSITIONS[title.transition.lower()].state
        if from_title is not None and from_title is not State.OK:
            return from_title
    alert_type = optional_str(payload, "alert_type")
    if alert_type is not None and alert_type.strip().lower() in ALERT_TYPE_STATES:
        return ALERT_TYPE_STATES[alert_type.strip().lower()]
    raise SourceError(
        "alert_transition",
        "`Renotify` does not say which state it repeats: send alert_type (error or warning) "
        "or keep the title's `[Re-Triggered …]`/`[Re-Warn …]` prefix",
    )


def _monitor_id(payload: JSONObject, body: str) -> str:
    alert_id = optional_str(payload, "alert_id")
    if alert_id is not None:
        return bounded_id(alert_id, "alert_id")
    return bounded_id(_monitor_id_from_body(body), "body")


def _cycle_key(payload: JSONObject) -> str | None:
    key = optional_str(payload, "alert_cycle_key")
    return bounded_id(key, "alert_cycle_key") if key is not None else None


def _monitor_id_from_body(body: str) -> str:
    match = _MONITOR_LINK.search(body)
    if match is None:
        raise SourceError(
            "body",
            "no monitor link (`/monitors/<id>`) found and no alert_id: keep Datadog's footer "
            "links in $EVENT_MSG or use the recommended payload",
        )
    return match[1]
