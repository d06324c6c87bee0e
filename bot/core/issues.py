"""Error-tracking issues: their five states, and what an occurrence or an assignment does.

States are stored and sent under their API names (`OPEN`, `ACKNOWLEDGED`,
`RESOLVED`, `IGNORED`, `EXCLUDED`) and shown under their labels (FOR REVIEW,
REVIEWED, RESOLVED, IGNORED, EXCLUDED).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.cases import Actor
from bot.core.query import Document


class IssueState(StrEnum):
    FOR_REVIEW = "OPEN"
    REVIEWED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"
    IGNORED = "IGNORED"
    EXCLUDED = "EXCLUDED"

    @property
    def label(self) -> str:
        """How people see the state: `FOR REVIEW`, `REVIEWED`, …"""
        return self.name.replace("_", " ")

    @property
    def is_closed(self) -> bool:
        """RESOLVED, IGNORED and EXCLUDED all need no further work."""
        return self in _CLOSED

    @classmethod
    def parse(cls, text: str) -> IssueState:
        """Accept the API name or the label, in any case: `OPEN`, `for review`, `FOR_REVIEW`."""
        key = text.strip().upper().replace("_", " ")
        for state in cls:
            if key in (state.value, state.label):
                return state
        names = ", ".join(f"{s.label} ({s.value})" for s in cls)
        raise ValueError(f"unknown issue state {text!r}; expected one of {names}")


_CLOSED = frozenset({IssueState.RESOLVED, IssueState.IGNORED, IssueState.EXCLUDED})


@dataclass(frozen=True, slots=True)
class Regression:
    """The mark a RESOLVED issue gets when its error happens again (Datadog's shape)."""

    resolved_at: datetime | None
    regressed_at: datetime
    regressed_at_version: str | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """One error-tracking issue as stored."""

    id: uuid.UUID
    fingerprint: str
    title: str
    service: str
    team: str | None
    env: str | None
    error_type: str
    error_message: str
    first_seen: datetime
    last_seen: datetime
    first_seen_version: str | None
    last_seen_version: str | None
    occurrences: int
    state: IssueState
    assignee_id: uuid.UUID | None
    case_id: uuid.UUID | None
    project_id: uuid.UUID | None
    rule_id: uuid.UUID | None
    resolved_at: datetime | None
    regressed_at: datetime | None
    regressed_at_version: str | None
    created_at: datetime
    modified_at: datetime

    @property
    def regression(self) -> Regression | None:
        if self.regressed_at is None:
            return None
        return Regression(self.resolved_at, self.regressed_at, self.regressed_at_version)


@dataclass(frozen=True, slots=True)
class Activity:
    """One entry of an issue's activity."""

    id: int
    issue_id: uuid.UUID
    kind: str
    actor: Actor
    body: str
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SeenOccurrence:
    """One recorded occurrence of an issue's error, as the issue panel lists it."""

    occurred_at: datetime
    version: str | None
    env: str | None
    message: str


class ActivityKind(StrEnum):
    """What an issue's activity entry records."""

    CREATED = "created"
    ROUTED = "routed"
    REGRESSION = "regression"
    STATE = "state"
    ASSIGNEE = "assignee"
    COMMENT = "comment"
    LINKED = "linked"
    UNLINKED = "unlinked"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """What one new occurrence of an issue's error does to the issue.

    `record` is false only for EXCLUDED issues: they collect nothing. `state`
    is the issue's state afterwards; `regression` is set when it regressed.
    """

    record: bool
    state: IssueState
    regression: Regression | None = None

    @property
    def state_changed(self) -> bool:
        return self.regression is not None


def on_occurrence(
    state: IssueState,
    *,
    at: datetime,
    resolved_at: datetime | None = None,
    version: str | None = None,
) -> Occurrence:
    """Decide what a new occurrence at `at` does to an issue now in `state`.

    A RESOLVED issue seen again goes back to FOR REVIEW, marked as a
    regression; the pipeline then runs the case sync for that state change.
    IGNORED issues keep counting but stay IGNORED (they are muted, not gone).
    """
    if state is IssueState.EXCLUDED:
        return Occurrence(record=False, state=state)
    if state is IssueState.RESOLVED:
        return Occurrence(
            record=True,
            state=IssueState.FOR_REVIEW,
            regression=Regression(resolved_at, at, version),
        )
    return Occurrence(record=True, state=state)


def on_assignment(state: IssueState) -> IssueState:
    """The state of an issue a person has just assigned to someone.

    Assigning is triage: a FOR REVIEW issue becomes REVIEWED (Datadog's
    automatic change). Every other state stays: an assignment neither undoes
    a review nor reopens a closed issue. Unassigning changes no state, and
    neither does an assignee that sync carries over from the issue's case.
    """
    return IssueState.REVIEWED if state is IssueState.FOR_REVIEW else state


def issue_document(
    *,
    service: str | None = None,
    team: str | Iterable[str] | None = None,
    env: str | None = None,
    error_type: str | None = None,
    state: IssueState | None = None,
    title: str = "",
    message: str = "",
) -> Document:
    """What automation rules and issue search match against.

    Keys: `service`, `team` (several when ownership is shared), `env`,
    `error.type` and `state` (API name or label: `state:open` and
    `state:"for review"` both find FOR REVIEW issues).
    Free text searches the title and the error message.
    """
    return Document.of(
        {
            "service": service,
            "team": team,
            "env": env,
            "error.type": error_type,
            "state": None if state is None else (state.value, state.label),
        },
        text=[t for t in (title, message) if t],
    )
