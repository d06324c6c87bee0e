"""Notification rules (Datadog's shape), case watchers and a project's people settings.

`NotificationRules(conn, now=...)` works inside its caller's transaction. A rule's
`query` must parse in the case query language, its triggers and recipients must be
known types, and a recipient that names a destination (a webhook, a Teams channel,
a PagerDuty service) must name one that exists: each refusal is an `InvalidChange`
naming the request member.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.core.cases import Invalid, User
from bot.core.notifications import (
    RECIPIENT_DESTINATION,
    NotificationRule,
    PeopleSettings,
    Recipient,
    RecipientType,
    Trigger,
    parse_recipients,
    parse_triggers,
)
from bot.core.query import QuerySyntaxError, compile_query
from bot.db import notification_rules as store
from bot.db.projects import find_project
from bot.services.case_reader import CaseReader, CaseRef
from bot.services.errors import (
    InvalidChange,
    NotificationRuleNotFound,
    ProjectNotFound,
    UserNotFound,
)
from bot.services.users import UserReader

ATTRIBUTES = "data.attributes"
QUERY_MAX = 2000


class NotificationRules:
    def __init__(self, conn: Connection, *, now: datetime) -> None:
        self.conn = conn
        self.now = now

    def project_id(self, ref: uuid.UUID | str) -> uuid.UUID:
        found = find_project(self.conn, ref)
        if found is None:
            raise ProjectNotFound(ref)
        return found.id

    def list(self, project: uuid.UUID | str) -> list[NotificationRule]:
        return store.rules_of(self.conn, self.project_id(project))

    def get(self, project: uuid.UUID | str, rule_id: str) -> NotificationRule:
        found = store.find_rule(self.conn, self.project_id(project), _rule_id(rule_id))
        if found is None:
            raise NotificationRuleNotFound(rule_id)
        return found

    def create(
        self,
        project: uuid.UUID | str,
        *,
        query: str,
        triggers: Sequence[Mapping[str, Any]],
        recipients: Sequence[Mapping[str, Any]],
        is_enabled: bool = True,
    ) -> NotificationRule:
        rule = NotificationRule(
            id=uuid.uuid4(),
            project_id=self.project_id(project),
            query=self._query(query),
            triggers=self._triggers(triggers),
            recipients=self._recipients(recipients),
            is_enabled=is_enabled,
            created_at=self.now,
            modified_at=self.now,
        )
        store.insert_rule(self.conn, rule)
        return rule

    def update(
        self,
        project: uuid.UUID | str,
        rule_id: str,
        *,
        query: str | None = None,
        triggers: Sequence[Mapping[str, Any]] | None = None,
        recipients: Sequence[Mapping[str, Any]] | None = None,
        is_enabled: bool | None = None,
    ) -> NotificationRule:
        """Change the members given; the others stay as they are."""
        rule = self.get(project, rule_id)
        changed = NotificationRule(
            id=rule.id,
            project_id=rule.project_id,
            query=rule.query if query is None else self._query(query),
            triggers=rule.triggers if triggers is None else self._triggers(triggers),
            recipients=rule.recipients if recipients is None else self._recipients(recipients),
            is_enabled=rule.is_enabled if is_enabled is None else is_enabled,
            created_at=rule.created_at,
            modified_at=self.now,
        )
        store.update_rule(self.conn, changed)
        return changed

    def delete(self, project: uuid.UUID | str, rule_id: str) -> None:
        if not store.delete_rule(self.conn, self.project_id(project), _rule_id(rule_id)):
            raise NotificationRuleNotFound(rule_id)

    def people_settings(self, project: uuid.UUID | str) -> PeopleSettings:
        return store.people_settings(self.conn, self.project_id(project))

    def set_people_settings(self, project: uuid.UUID | str, given: Mapping[str, Any]) -> None:
        """Merge the members of Datadog's `settings.notification` block that are given."""
        project_id = self.project_id(project)
        current = store.people_settings(self.conn, project_id).as_json()
        store.set_people_settings(
            self.conn, project_id, PeopleSettings.from_json({**current, **given})
        )

    def _query(self, text: str) -> str:
        if len(text) > QUERY_MAX:
            raise InvalidChange(f"{ATTRIBUTES}.query", f"is longer than {QUERY_MAX} characters")
        if text.strip():
            try:
                compile_query(text)
            except QuerySyntaxError as error:
                raise InvalidChange(f"{ATTRIBUTES}.query", str(error)) from None
        return text.strip()

    def _triggers(self, raw: Sequence[Mapping[str, Any]]) -> tuple[Trigger, ...]:
        return tuple(_checked(parse_triggers(raw, f"{ATTRIBUTES}.triggers")))

    def _recipients(self, raw: Sequence[Mapping[str, Any]]) -> tuple[Recipient, ...]:
        at = f"{ATTRIBUTES}.recipients"
        found = _checked(parse_recipients(raw, at))
        for index, recipient in enumerate(found):
            if recipient.type == RecipientType.SLACK_CHANNEL:
                raise InvalidChange(
                    f"{at}[{index}].type",
                    "SLACK_CHANNEL recipients are not supported: a project's Slack channel "
                    "(casebot project update --slack-channel) hears of every case already",
                )
            kind = RECIPIENT_DESTINATION.get(recipient.type)
            if kind is None:
                continue
            destination = store.find_destination(self.conn, recipient.name)
            if destination is None or destination.kind != kind:
                raise InvalidChange(
                    f"{at}[{index}].data",
                    f"no {kind.value} destination named {recipient.name!r}; "
                    "casebot destinations list shows them",
                )
        return tuple(found)


class Watchers:
    """Who watches a case: they hear of its changes by e-mail."""

    def __init__(self, conn: Connection, *, now: datetime) -> None:
        self.conn = conn
        self.now = now

    def list(self, ref: CaseRef) -> list[User]:
        return store.watchers_of(self.conn, CaseReader(self.conn).get(ref).id)

    def watch(self, ref: CaseRef, user_id: uuid.UUID) -> bool:
        case = CaseReader(self.conn).get(ref)
        UserReader(self.conn).get(user_id)
        return store.add_watcher(self.conn, case.id, user_id, self.now)

    def unwatch(self, ref: CaseRef, user_id: uuid.UUID) -> None:
        case = CaseReader(self.conn).get(ref)
        if not store.remove_watcher(self.conn, case.id, user_id):
            raise UserNotFound(f"{user_id} among the watchers of {case.key}")


def _rule_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotificationRuleNotFound(text) from None


def _checked(value: list[Any] | Invalid) -> list[Any]:
    if isinstance(value, Invalid):
        raise InvalidChange(value.field, value.message)
    return value
