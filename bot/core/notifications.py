"""Notification rules, recipients and the changes that fire them, in Datadog's shape.

Pure: the rule API's triggers and recipients are validated here (an `Invalid`
naming the member), a case event is described as the triggers it satisfies, and
`@name` mentions are read out of comments. Which people and destinations a change
reaches is decided in bot/services/notifier.py; how each is sent, in bot/notify/.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.cases import CaseStatus, TimelineKind
from bot.core.invalid import Invalid


class TriggerType(StrEnum):
    CASE_CREATED = "CASE_CREATED"
    STATUS_TRANSITIONED = "STATUS_TRANSITIONED"
    ATTRIBUTE_VALUE_CHANGED = "ATTRIBUTE_VALUE_CHANGED"
    # casebot's own, for what Datadog's rule editor offers beyond its API's list.
    COMMENT_ADDED = "COMMENT_ADDED"
    MENTION = "MENTION"
    # Datadog's; casebot correlates no signals, so such a trigger never fires.
    EVENT_CORRELATION_SIGNAL_CORRELATED = "EVENT_CORRELATION_SIGNAL_CORRELATED"


class RecipientType(StrEnum):
    EMAIL = "EMAIL"
    HTTP = "HTTP"
    MS_TEAMS_CHANNEL = "MS_TEAMS_CHANNEL"
    PAGERDUTY_SERVICE = "PAGERDUTY_SERVICE"
    SLACK_CHANNEL = "SLACK_CHANNEL"


class DestinationKind(StrEnum):
    """How a destination is reached (bot/notify/ has one module for each)."""

    WEBHOOK = "webhook"
    EMAIL = "email"
    TEAMS = "teams"
    PAGERDUTY = "pagerduty"


# The route of a Slack direct message to one of a case's people (not a destination:
# nobody adds one; the notifier picks it for a person who is a Slack user).
SLACK_ROUTE = "slack"


# The fields an ATTRIBUTE_VALUE_CHANGED trigger may name, and the timeline kind of each.
ATTRIBUTE_FIELDS: Mapping[str, str] = {
    "priority": TimelineKind.PRIORITY,
    "assignee": TimelineKind.ASSIGNEE,
    "description": TimelineKind.DESCRIPTION,
    "title": TimelineKind.TITLE,
    "attributes": TimelineKind.ATTRIBUTES,
}
# Which member of a recipient's `data` names the destination, by recipient type.
RECIPIENT_NAME_KEYS: Mapping[RecipientType, tuple[str, ...]] = {
    RecipientType.EMAIL: ("email",),
    RecipientType.HTTP: ("name",),
    RecipientType.MS_TEAMS_CHANNEL: ("channel_name", "connector_name", "name"),
    RecipientType.PAGERDUTY_SERVICE: ("service_name", "name"),
    RecipientType.SLACK_CHANNEL: ("channel", "channel_id", "channel_name"),
}
RECIPIENT_DESTINATION: Mapping[RecipientType, DestinationKind] = {
    RecipientType.HTTP: DestinationKind.WEBHOOK,
    RecipientType.MS_TEAMS_CHANNEL: DestinationKind.TEAMS,
    RecipientType.PAGERDUTY_SERVICE: DestinationKind.PAGERDUTY,
}
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_STATUSES = {s.value: s for s in CaseStatus}


@dataclass(frozen=True, slots=True)
class Trigger:
    type: TriggerType
    data: Mapping[str, str] = field(default_factory=dict)

    def fires_on(self, change: Change) -> bool:
        """Whether this trigger asks to be told of `change`."""
        if self.type != change.trigger:
            return False
        if self.type == TriggerType.STATUS_TRANSITIONED:
            wanted_from = _status(self.data.get("from_status") or self.data.get("from_status_name"))
            wanted_to = _status(self.data.get("to_status") or self.data.get("to_status_name"))
            return (wanted_from is None or wanted_from == change.from_status) and (
                wanted_to is None or wanted_to == change.to_status
            )
        if self.type == TriggerType.ATTRIBUTE_VALUE_CHANGED:
            wanted = self.data.get("field", "").lower()
            return not wanted or wanted == change.field
        return True


@dataclass(frozen=True, slots=True)
class Recipient:
    type: RecipientType
    data: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The e-mail address, or the name of the destination or channel."""
        for key in RECIPIENT_NAME_KEYS[self.type]:
            value = self.data.get(key, "").strip()
            if value:
                return value
        return ""


@dataclass(frozen=True, slots=True)
class Change:
    """What one case event is, as triggers see it."""

    trigger: TriggerType
    field: str | None = None
    from_status: CaseStatus | None = None
    to_status: CaseStatus | None = None


def change_of(kind: str, data: Mapping[str, object]) -> Change | None:
    """The trigger-shaped view of a timeline entry of `kind`; None for kinds no rule
    can ask for (notes, monitor transitions, archiving)."""
    if kind == TimelineKind.CREATED:
        return Change(TriggerType.CASE_CREATED)
    if kind in (TimelineKind.STATUS, TimelineKind.AUTO_CLOSE, TimelineKind.REOPENED):
        return Change(
            TriggerType.STATUS_TRANSITIONED,
            field="status",
            from_status=_status(data.get("from")),
            to_status=_status(data.get("to")),
        )
    if kind == TimelineKind.COMMENT:
        return Change(TriggerType.COMMENT_ADDED, field="comment")
    for name, timeline_kind in ATTRIBUTE_FIELDS.items():
        if kind == timeline_kind:
            return Change(TriggerType.ATTRIBUTE_VALUE_CHANGED, field=name)
    return None


def _status(value: object) -> CaseStatus | None:
    if not isinstance(value, str) or not value:
        return None
    # An id (IN_PROGRESS) or a display name (In Progress).
    return _STATUSES.get(value.strip().upper().replace(" ", "_"))


def parse_triggers(raw: Sequence[Mapping[str, Any]], at: str) -> list[Trigger] | Invalid:
    if not raw:
        return Invalid(at, "must name at least one trigger")
    found: list[Trigger] = []
    for index, item in enumerate(raw):
        where = f"{at}[{index}]"
        kind = str(item.get("type") or "")
        try:
            trigger_type = TriggerType(kind)
        except ValueError:
            known = ", ".join(t.value for t in TriggerType)
            return Invalid(f"{where}.type", f"must be one of {known}, got {kind!r}")
        data = {k: str(v) for k, v in dict(item.get("data") or {}).items() if v is not None}
        if trigger_type == TriggerType.STATUS_TRANSITIONED:
            for key in ("from_status", "to_status", "from_status_name", "to_status_name"):
                if key in data and _status(data[key]) is None:
                    return Invalid(
                        f"{where}.data.{key}",
                        f"must be Open, In Progress or Closed, got {data[key]!r}",
                    )
        if trigger_type == TriggerType.ATTRIBUTE_VALUE_CHANGED:
            name = data.get("field", "").lower()
            if name and name not in ATTRIBUTE_FIELDS:
                known = ", ".join(ATTRIBUTE_FIELDS)
                return Invalid(f"{where}.data.field", f"must be one of {known}, got {name!r}")
        found.append(Trigger(trigger_type, data))
    return found


def parse_recipients(raw: Sequence[Mapping[str, Any]], at: str) -> list[Recipient] | Invalid:
    if not raw:
        return Invalid(at, "must name at least one recipient")
    found: list[Recipient] = []
    for index, item in enumerate(raw):
        where = f"{at}[{index}]"
        kind = str(item.get("type") or "")
        try:
            recipient_type = RecipientType(kind)
        except ValueError:
            known = ", ".join(t.value for t in RecipientType)
            return Invalid(f"{where}.type", f"must be one of {known}, got {kind!r}")
        data = {k: str(v) for k, v in dict(item.get("data") or {}).items() if v is not None}
        recipient = Recipient(recipient_type, data)
        if not recipient.name:
            keys = " or ".join(RECIPIENT_NAME_KEYS[recipient_type])
            return Invalid(f"{where}.data", f"a {kind} recipient needs {keys}")
        if recipient_type == RecipientType.EMAIL and not EMAIL_PATTERN.fullmatch(recipient.name):
            return Invalid(
                f"{where}.data.email", f"must be an e-mail address, got {recipient.name!r}"
            )
        found.append(recipient)
    return found


# `@name` as people write it in a comment (not an e-mail address, not a casebot handle
# such as @case-ops), and Slack's `<@U0123>` for a person picked from its menu.
_MENTION = re.compile(r"(?<![\w.@/])@([A-Za-z0-9][A-Za-z0-9._-]*)")
_SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_HANDLE_PREFIXES = ("case-", "slack-", "webhook-", "team-")


@dataclass(frozen=True, slots=True)
class Mentions:
    names: tuple[str, ...]
    slack_ids: tuple[str, ...]


def mentions_in(text: str) -> Mentions:
    """The people a comment mentions: `@name` words (a trailing dot is punctuation) and
    Slack user ids."""
    names: list[str] = []
    for match in _MENTION.finditer(text):
        name = match.group(1).rstrip("._-").lower()
        if name and not name.startswith(_HANDLE_PREFIXES) and name not in names:
            names.append(name)
    slack_ids = list(dict.fromkeys(_SLACK_MENTION.findall(text)))
    return Mentions(tuple(names), tuple(slack_ids))


class PagerAction(StrEnum):
    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


def pager_action(change: Change, *, status: CaseStatus) -> PagerAction | None:
    """What PagerDuty is told of a change: a new case triggers (closed at birth: nothing),
    In Progress acknowledges, Closed resolves, a reopened case triggers again."""
    if change.trigger == TriggerType.CASE_CREATED:
        return None if status == CaseStatus.CLOSED else PagerAction.TRIGGER
    if change.trigger != TriggerType.STATUS_TRANSITIONED:
        return None
    if change.to_status == CaseStatus.IN_PROGRESS:
        return PagerAction.ACKNOWLEDGE
    if change.to_status == CaseStatus.CLOSED:
        return PagerAction.RESOLVE
    if change.to_status == CaseStatus.OPEN and change.from_status == CaseStatus.CLOSED:
        return PagerAction.TRIGGER
    return None


@dataclass(frozen=True, slots=True)
class NotificationRule:
    id: uuid.UUID
    project_id: uuid.UUID
    query: str
    triggers: tuple[Trigger, ...]
    recipients: tuple[Recipient, ...]
    is_enabled: bool
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True, slots=True)
class Destination:
    id: uuid.UUID
    name: str
    kind: DestinationKind
    config: Mapping[str, str]
    created_at: datetime

    @property
    def target(self) -> str:
        """Where it sends, as people may see it (a PagerDuty key by its last four)."""
        if self.kind == DestinationKind.EMAIL:
            return self.config["address"]
        if self.kind == DestinationKind.PAGERDUTY:
            shown = f"routing key …{self.config['routing_key'][-4:]}"
            events_url = self.config.get("events_url")
            return f"{shown} via {events_url}" if events_url else shown
        return self.config["url"]


# Datadog's `destinations` numbers: 1 e-mail, 2 Slack, 3 in-app.
EMAIL_DESTINATION = 1


@dataclass(frozen=True, slots=True)
class PeopleSettings:
    """A project's `settings.notification` block: which changes its people (a case's
    assignee, its watchers, whom a comment mentions) hear of, and how."""

    enabled: bool = True
    notify_on_case_assignment: bool = True
    notify_on_case_closed: bool = True
    notify_on_case_comment: bool = True
    notify_on_case_comment_mention: bool = True
    notify_on_case_priority_change: bool = True
    notify_on_case_status_change: bool = True
    notify_on_case_unassignment: bool = True
    destinations: tuple[int, ...] = (EMAIL_DESTINATION,)

    def as_json(self) -> dict[str, object]:
        shown: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["destinations"] = list(self.destinations)
        return shown

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> PeopleSettings:
        """Settings from a stored or requested block; what it leaves out keeps its default."""
        flags: dict[str, Any] = {
            f.name: data[f.name]
            for f in fields(cls)
            if f.name != "destinations" and isinstance(data.get(f.name), bool)
        }
        found = replace(cls(), **flags)
        raw = data.get("destinations")
        if isinstance(raw, list):
            found = replace(found, destinations=tuple(d for d in raw if isinstance(d, int)))
        return found

    def wants(self, change: Change, *, assigned: bool, mentioned: bool) -> bool:
        """Whether people hear of `change` (`assigned`: it set an assignee, rather than
        cleared one; `mentioned`: the person is named in the comment)."""
        if not self.enabled or EMAIL_DESTINATION not in self.destinations:
            return False
        if change.trigger == TriggerType.COMMENT_ADDED:
            return self.notify_on_case_comment_mention if mentioned else self.notify_on_case_comment
        if change.trigger == TriggerType.STATUS_TRANSITIONED:
            if change.to_status == CaseStatus.CLOSED:
                return self.notify_on_case_closed
            return self.notify_on_case_status_change
        if change.field == "priority":
            return self.notify_on_case_priority_change
        if change.field == "assignee":
            return self.notify_on_case_assignment if assigned else self.notify_on_case_unassignment
        # A new case, a title or description change: told as status changes are.
        return self.notify_on_case_status_change
