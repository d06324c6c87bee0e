"""Which conditional sections are true for a transition: one table.

Rows are (previous, current, renotify); a row lists the conditionals that are
true, every other conditional is false. Datadog documents most rows; where it is
silent the row records casebot's decision (docs/decisions.md, "Notification text"):

- `is_warning` is true on Alert -> Warn, as well as `is_alert_to_warning`.
- `is_recovery` is true for a recovery from Alert, Warn, No Data and Unknown.
- A new group (previous None) behaves like one coming from OK.
- A transition into the state it was already in (no renotify) behaves like a
  fresh entry into that state; a renotification keeps the state's conditional
  and adds `is_renotify`.
- A change between two non-OK states is not a recovery (Alert -> No Data is
  `is_no_data` only).
"""

from __future__ import annotations

from collections.abc import Mapping

from handles.types import State, Transition

ALERT = State.ALERT
WARN = State.WARN
NO_DATA = State.NO_DATA
UNKNOWN = State.UNKNOWN
OK = State.OK

# The conditionals that depend only on the transition (is_priority, is_match and
# is_exact_match take arguments and are evaluated elsewhere).
TRANSITION_CONDITIONALS: tuple[str, ...] = (
    "is_alert",
    "is_warning",
    "is_no_data",
    "is_unknown",
    "is_recovery",
    "is_alert_recovery",
    "is_warning_recovery",
    "is_no_data_recovery",
    "is_alert_to_warning",
    "is_renotify",
)
ARGUMENT_CONDITIONALS: tuple[str, ...] = ("is_priority", "is_match", "is_exact_match")
CONDITIONALS: tuple[str, ...] = TRANSITION_CONDITIONALS + ARGUMENT_CONDITIONALS

_Key = tuple[State | None, State, bool]

# fmt: off
_ROWS: tuple[tuple[State | None, State, bool, str], ...] = (
    # previous  current  renotify  true conditionals
    (None,      ALERT,   False, "is_alert"),
    (None,      WARN,    False, "is_warning"),
    (None,      NO_DATA, False, "is_no_data"),
    (None,      UNKNOWN, False, "is_unknown"),
    (None,      OK,      False, ""),
    (OK,        ALERT,   False, "is_alert"),
    (OK,        WARN,    False, "is_warning"),
    (OK,        NO_DATA, False, "is_no_data"),
    (OK,        UNKNOWN, False, "is_unknown"),
    (OK,        OK,      False, ""),
    (WARN,      ALERT,   False, "is_alert"),
    (WARN,      WARN,    False, "is_warning"),
    (WARN,      NO_DATA, False, "is_no_data"),
    (WARN,      UNKNOWN, False, "is_unknown"),
    (WARN,      OK,      False, "is_recovery is_warning_recovery"),
    (ALERT,     ALERT,   False, "is_alert"),
    (ALERT,     WARN,    False, "is_warning is_alert_to_warning"),
    (ALERT,     NO_DATA, False, "is_no_data"),
    (ALERT,     UNKNOWN, False, "is_unknown"),
    (ALERT,     OK,      False, "is_recovery is_alert_recovery"),
    (NO_DATA,   ALERT,   False, "is_alert"),
    (NO_DATA,   WARN,    False, "is_warning"),
    (NO_DATA,   NO_DATA, False, "is_no_data"),
    (NO_DATA,   UNKNOWN, False, "is_unknown"),
    (NO_DATA,   OK,      False, "is_recovery is_no_data_recovery"),
    (UNKNOWN,   ALERT,   False, "is_alert"),
    (UNKNOWN,   WARN,    False, "is_warning"),
    (UNKNOWN,   NO_DATA, False, "is_no_data"),
    (UNKNOWN,   UNKNOWN, False, "is_unknown"),
    (UNKNOWN,   OK,      False, "is_recovery"),
    # Renotifications repeat the current state; `previous` is ignored.
    (ALERT,     ALERT,   True,  "is_alert is_renotify"),
    (WARN,      WARN,    True,  "is_warning is_renotify"),
    (NO_DATA,   NO_DATA, True,  "is_no_data is_renotify"),
    (UNKNOWN,   UNKNOWN, True,  "is_unknown is_renotify"),
    (OK,        OK,      True,  "is_renotify"),
)
# fmt: on

TRUTH_TABLE: Mapping[_Key, frozenset[str]] = {
    (previous, current, renotify): frozenset(names.split())
    for previous, current, renotify, names in _ROWS
}


def true_conditionals(transition: Transition) -> frozenset[str]:
    """The transition conditionals that hold for `transition` (a table lookup)."""
    if transition.renotify:
        return TRUTH_TABLE[(transition.current, transition.current, True)]
    return TRUTH_TABLE[(transition.previous, transition.current, False)]


# The transitions `preview` shows, in the order an alert cycle usually runs.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(OK, ALERT),
    Transition(OK, WARN),
    Transition(WARN, ALERT),
    Transition(ALERT, WARN),
    Transition(ALERT, OK),
    Transition(WARN, OK),
    Transition(OK, NO_DATA),
    Transition(NO_DATA, OK),
    Transition(OK, UNKNOWN),
    Transition(UNKNOWN, OK),
    Transition(ALERT, ALERT, renotify=True),
    Transition(WARN, WARN, renotify=True),
    Transition(NO_DATA, NO_DATA, renotify=True),
)


def _slug(state: State | None) -> str:
    return "new" if state is None else state.value.lower().replace(" ", "-")


def transition_name(transition: Transition) -> str:
    """A stable command-line name: `ok-to-alert`, `alert-renotify`."""
    if transition.renotify:
        return f"{_slug(transition.current)}-renotify"
    return f"{_slug(transition.previous)}-to-{_slug(transition.current)}"


def transition_by_name(name: str) -> Transition:
    """The standard transition called `name`, or any `<state>-to-<state>` pair."""
    wanted = name.strip().lower().replace("_", "-").replace(" ", "-")
    for transition in TRANSITIONS:
        if transition_name(transition) == wanted:
            return transition
    by_slug = {_slug(state): state for state in State}
    if wanted.endswith("-renotify"):
        state = by_slug.get(wanted.removesuffix("-renotify"))
        if state is not None:
            return Transition(state, state, renotify=True)
    previous_slug, sep, current_slug = wanted.partition("-to-")
    if sep and current_slug in by_slug and (previous_slug in by_slug or previous_slug == "new"):
        return Transition(by_slug.get(previous_slug), by_slug[current_slug])
    known = ", ".join(transition_name(t) for t in TRANSITIONS)
    raise ValueError(f"unknown transition {name!r}; known: {known} (or <state>-to-<state>)")
