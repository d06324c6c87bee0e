"""Case rules: the values a case is made of and how each is parsed (which changes are
allowed is bot/core/case_changes.py).

Pure: no I/O, no clock (times are passed in). Validation returns an `Invalid`
value naming the field and the problem instead of raising; the application
service (`bot.services.cases`) turns it into an error at its boundary.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from enum import StrEnum

from bot.core.custom_attributes import CustomAttributes
from bot.core.invalid import Invalid as Invalid
from bot.core.lifecycle import AutoCloseMode, Lifecycle, auto_close_mode
from bot.core.records import record


class CaseStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    CLOSED = "CLOSED"

    @property
    def status_name(self) -> str:
        """The display name Datadog's `status_name` uses: "Open", "In Progress", "Closed"."""
        return _STATUS_NAMES[self]


_STATUS_NAMES = {
    CaseStatus.OPEN: "Open",
    CaseStatus.IN_PROGRESS: "In Progress",
    CaseStatus.CLOSED: "Closed",
}


class Priority(StrEnum):
    NOT_DEFINED = "NOT_DEFINED"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"


class CaseType(StrEnum):
    """The built-in case types. A project may also use custom types (any `TYPE_NAME`)."""

    STANDARD = "STANDARD"
    SECURITY = "SECURITY"
    CHANGE_REQUEST = "CHANGE_REQUEST"
    EVENT_MANAGEMENT = "EVENT_MANAGEMENT"
    ERROR_TRACKING = "ERROR_TRACKING"


class CreationSource(StrEnum):
    MONITOR = "MONITOR"
    SLACK = "SLACK"
    API = "API"
    MANUAL = "MANUAL"
    ERROR_TRACKING = "ERROR_TRACKING"


class ClosingReason(StrEnum):
    """Why a SECURITY case was closed; one is required to close it."""

    TESTING = "testing"
    FALSE_POSITIVE = "false_positive"
    ONE_TIME_EXCEPTION = "one_time_exception"


class TimelineKind(StrEnum):
    """What a timeline entry records. Other areas may store further kinds."""

    CREATED = "created"
    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNEE = "assignee"
    TITLE = "title"
    DESCRIPTION = "description"
    ATTRIBUTES = "attributes"
    COMMENT = "comment"
    MONITOR_TRANSITION = "monitor_transition"
    AUTO_CLOSE = "auto_close"
    MOVED = "moved"
    ARCHIVED = "archived"
    UNARCHIVED = "unarchived"
    RESOLVED_REASON = "resolved_reason"
    CUSTOM_ATTRIBUTES = "custom_attributes"
    NOTE = "note"
    # A case its monitor group re-fired into within the project's reopen window.
    REOPENED = "reopened"
    # "monitor recovered — close?": the recovery of a case a person is working.
    CLOSE_PROMPT = "close_prompt"
    # The group went silent past its source's repeat interval.
    STALE = "stale"


class ActorSource(StrEnum):
    """Where a change came from."""

    MONITOR = "monitor"
    SLACK = "slack"
    API = "api"
    CLI = "cli"
    ERROR_TRACKING = "error_tracking"
    SYSTEM = "system"
    WEB = "web"  # the console


# Changes made by people (in Slack, the console, the API, the command line): a case one
# of them changed is being worked (the `unless_worked` auto-close mode, the noise report).
PERSON_SOURCES = frozenset({ActorSource.SLACK, ActorSource.API, ActorSource.CLI, ActorSource.WEB})


class ClosedBy(StrEnum):
    """Why casebot itself closed a case (a person's close is stored as their source)."""

    RECOVERY = "recovery"
    INACTIVITY = "inactivity"
    STALE = "stale"


@record
class Actor:
    """Who made a change: a user (when known) and where the change came from."""

    source: str
    user_id: uuid.UUID | None = None
    name: str = ""

    @classmethod
    def monitor(cls, name: str = "monitor") -> Actor:
        return cls(ActorSource.MONITOR, None, name)

    @classmethod
    def system(cls, name: str = "casebot") -> Actor:
        return cls(ActorSource.SYSTEM, None, name)


@record
class Project:
    id: uuid.UUID
    name: str
    key: str
    handle: str
    monitor_enabled: bool
    auto_close: bool
    default_case_type: str
    slack_channel: str | None
    mirror_threads: bool
    is_error_tracking_default: bool
    created_at: datetime
    lifecycle: Lifecycle = field(default_factory=Lifecycle)

    @property
    def auto_close_mode(self) -> AutoCloseMode:
        return auto_close_mode(self.auto_close, self.lifecycle)


@record
class User:
    id: uuid.UUID
    name: str
    email: str | None
    slack_user_id: str | None
    created_at: datetime


Attributes = Mapping[str, tuple[str, ...]]


@record
class Case:
    id: uuid.UUID
    project_id: uuid.UUID
    number: int
    key: str
    title: str
    description: str
    type: str
    status: CaseStatus
    priority: Priority
    assignee_id: uuid.UUID | None
    attributes: Attributes
    creation_source: str
    created_by: uuid.UUID | None
    closing_reason: str | None
    created_at: datetime
    modified_at: datetime
    closed_at: datetime | None
    archived_at: datetime | None
    # Key -> typed value (bot.core.custom_attributes).
    custom_attributes: CustomAttributes = field(default_factory=dict)
    # Who closed it: a `ClosedBy` when casebot did, else the person's source (None: open).
    closed_by: str | None = None
    # When a person first changed or commented on it (None: nobody has).
    first_worked_at: datetime | None = None
    # How often its monitor group re-fired into it after its recovery (reopen window).
    reopen_count: int = 0


@record
class TimelineEntry:
    id: int
    case_id: uuid.UUID
    kind: str
    actor: Actor
    body: str
    data: Mapping[str, object]
    created_at: datetime

    @property
    def transition(self) -> str | None:
        """A monitor transition's move, `OK → Alert` (a group casebot had not seen counts
        as coming from OK), or `Alert (renotify)`; None for other entries."""
        if self.kind != TimelineKind.MONITOR_TRANSITION:
            return None
        current = self.data.get("current")
        if not current:
            return None
        if self.data.get("renotify"):
            return f"{current} (renotify)"
        return f"{self.data.get('previous') or 'OK'} → {current}"

    @property
    def actor_label(self) -> str:
        """Who made the entry, for people: a monitor reads `monitor "<name>"`."""
        if self.actor.source == ActorSource.MONITOR:
            return f'monitor "{self.actor.name}"' if self.actor.name else "monitor"
        return self.actor.name or self.actor.source


@record
class CaseEvent:
    """One change to one case, as listeners (Slack outbox, issue sync) receive it.

    `case` is the case after the change; `previous` before it — None on creation
    and for entries that change no field (comments, monitor transitions, notes).
    """

    kind: str
    case: Case
    previous: Case | None
    actor: Actor
    timeline_entry_id: int
    occurred_at: datetime
    data: Mapping[str, object] = field(default_factory=dict)
    # The timeline entry's text (the comment, the rendered notification, ...).
    body: str = ""


# --- Parsing values -------------------------------------------------------------

TITLE_MAX = 500
# Timeline and activity rows keep at most this much of an actor's name (a monitor
# actor is named after its monitor, whose name no sender bounds).
ACTOR_NAME_MAX = 200
DESCRIPTION_MAX = 100_000
COMMENT_MAX = 100_000
ATTRIBUTE_KEY_MAX = 100
ATTRIBUTE_VALUE_MAX = 500

_STATUS_BY_NAME = {
    **{status.value: status for status in CaseStatus},
    **{name.upper().replace(" ", "_"): status for status, name in _STATUS_NAMES.items()},
}


def choices(names: Mapping[str, object] | type[StrEnum]) -> str:
    """The accepted values, comma-separated, for an error message that lists them."""
    return ", ".join(str(name) for name in names)


def parse_status(text: str) -> CaseStatus | Invalid:
    """`OPEN`/`IN_PROGRESS`/`CLOSED`, or a status name (`Open`, `In Progress`, `Closed`)."""
    status = _STATUS_BY_NAME.get(text.strip().upper().replace(" ", "_").replace("-", "_"))
    if status is None:
        return Invalid("status", f"unknown status {text!r}; use one of {choices(CaseStatus)}")
    return status


def parse_priority(text: str) -> Priority | Invalid:
    try:
        return Priority(text.strip().upper())
    except ValueError:
        return Invalid("priority", f"unknown priority {text!r}; use one of {choices(Priority)}")


_CUSTOM_TYPE = re.compile(r"[A-Z][A-Z0-9_]{0,49}")


def parse_case_type(text: str) -> str | Invalid:
    """A built-in case type, or a custom one spelled `UPPER_CASE` (at most 50 characters)."""
    name = text.strip().upper().replace(" ", "_").replace("-", "_")
    if _CUSTOM_TYPE.fullmatch(name) is None:
        return Invalid(
            "type",
            f"invalid case type {text!r}; use one of {choices(CaseType)} "
            "or a custom type of letters, digits and underscores",
        )
    return name


def parse_closing_reason(text: str) -> ClosingReason | Invalid:
    """`testing`, `false_positive` or `one_time_exception` (any case, spaces or dashes)."""
    name = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return ClosingReason(name)
    except ValueError:
        return Invalid(
            "closing_reason",
            f"unknown closing reason {text!r}; use one of {choices(ClosingReason)}",
        )


def validate_title(text: str) -> str | Invalid:
    title = text.strip()
    if not title:
        return Invalid("title", "title must not be empty")
    if len(title) > TITLE_MAX:
        return Invalid("title", f"title is {len(title)} characters; at most {TITLE_MAX}")
    return title


def validate_description(text: str) -> str | Invalid:
    if len(text) > DESCRIPTION_MAX:
        return Invalid(
            "description", f"description is {len(text)} characters; at most {DESCRIPTION_MAX}"
        )
    return text


def validate_comment(text: str) -> str | Invalid:
    if not text.strip():
        return Invalid("comment", "comment must not be empty")
    if len(text) > COMMENT_MAX:
        return Invalid("comment", f"comment is {len(text)} characters; at most {COMMENT_MAX}")
    return text


def validate_attributes(value: object) -> dict[str, tuple[str, ...]] | Invalid:
    """A mapping of non-empty keys to lists of strings; duplicates dropped, order kept."""
    if not isinstance(value, Mapping):
        return Invalid("attributes", "attributes must be an object of key -> list of strings")
    result: dict[str, tuple[str, ...]] = {}
    for key, values in value.items():
        if not isinstance(key, str) or not key.strip():
            return Invalid("attributes", "attribute keys must be non-empty strings")
        if len(key) > ATTRIBUTE_KEY_MAX:
            return Invalid("attributes", f"attribute key {key[:20]!r}… is too long")
        if isinstance(values, str) or not isinstance(values, list | tuple):
            return Invalid("attributes", f"attribute {key!r} must be a list of strings")
        kept: list[str] = []
        for item in values:
            if not isinstance(item, str):
                return Invalid("attributes", f"attribute {key!r} must be a list of strings")
            if len(item) > ATTRIBUTE_VALUE_MAX:
                return Invalid("attributes", f"a value of attribute {key!r} is too long")
            if item not in kept:
                kept.append(item)
        result[key] = tuple(kept)
    return result


def case_key_prefix(project_key: str) -> str:
    """What every key of the project's cases starts with: the number follows it."""
    return f"{project_key}-"


def case_key(project_key: str, number: int) -> str:
    return f"{case_key_prefix(project_key)}{number}"
