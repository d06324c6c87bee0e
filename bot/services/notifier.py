"""The notifier: a case listener that turns each case change into outbox messages.

For every change it gathers the recipients, once each: the recipients of the
project's enabled rules whose triggers fire and whose query matches the case; and
the case's people, as the project's `settings.notification` block allows: the
assignee, the watchers, and whom a comment mentions (`@name` or Slack's `<@U…>`),
who become watchers. The author of the change is never told of it. Each recipient's
change joins the open message to that recipient about the case, so a burst of
changes (within `burst`) goes out as one message; PagerDuty is told at once, one
event per action (trigger, acknowledge, resolve).

It writes in the change's own transaction: a committed change is always notified,
a rolled-back one never.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from bot.core.cases import CaseEvent, User
from bot.core.notifications import (
    RECIPIENT_DESTINATION,
    SLACK_ROUTE,
    Change,
    DestinationKind,
    NotificationRule,
    RecipientType,
    TriggerType,
    change_of,
    mentions_in,
    pager_action,
)
from bot.core.query import QuerySyntaxError, compile_query
from bot.db import notification_outbox as outbox
from bot.db import notification_rules as store
from bot.db.case_search import case_matches
from bot.db.notification_outbox import Route
from bot.db.users import find_user
from bot.services.case_listeners import BatchListener

log = logging.getLogger(__name__)


def _nothing() -> None:
    return None


class Notifier(BatchListener):
    """`Notifier(burst=timedelta(seconds=60), wake=sender.wake)`: a `CaseListener`."""

    def __init__(
        self, *, burst: timedelta, wake: Callable[[], None] = _nothing, slack_dm: bool = False
    ) -> None:
        self.burst = burst
        # Told after each change that queued a message (the sender looks sooner).
        self.wake = wake
        # Slack is on: a case's people who are Slack users hear by direct message.
        self.slack_dm = slack_dm

    def on_case_events(self, conn: Connection, events: Sequence[CaseEvent]) -> None:
        # A batch's changes are mostly cases of one project: its rules are read once.
        rules: dict[uuid.UUID, list[NotificationRule]] = {}
        for event in events:
            self._notify(conn, event, rules)

    def _notify(
        self, conn: Connection, event: CaseEvent, rules: dict[uuid.UUID, list[NotificationRule]]
    ) -> None:
        change = change_of(event.kind, event.data)
        if change is None:
            return
        mentioned = (
            self._mentioned(conn, event) if change.trigger == TriggerType.COMMENT_ADDED else []
        )
        project = event.case.project_id
        if project not in rules:
            rules[project] = store.rules_of(conn, project, enabled_only=True)
        routes: dict[str, Route] = {}
        for rule in rules[project]:
            if self._fires(conn, rule, event, change, mentioned=bool(mentioned)):
                for route in _rule_routes(conn, rule):
                    routes.setdefault(route.recipient, route)
        for person in self._people(conn, event, change, mentioned):
            if self.slack_dm and person.slack_user_id:
                route = _slack(person.slack_user_id)
                # One route per person: a rule's mail to them is this message too.
                if person.email:
                    routes.pop(_email(person.email).recipient, None)
            elif person.email:
                route = _email(person.email)
            else:
                continue
            routes.setdefault(route.recipient, route)
        author = find_user(conn, event.actor.user_id) if routes and event.actor.user_id else None
        if author is not None:
            if author.email:
                routes.pop(_email(author.email).recipient, None)
            if author.slack_user_id:
                routes.pop(_slack(author.slack_user_id).recipient, None)
        queued = [self._queue(conn, event, change, route) for route in routes.values()]
        if any(queued):
            self.wake()

    def _fires(
        self,
        conn: Connection,
        rule: NotificationRule,
        event: CaseEvent,
        change: Change,
        *,
        mentioned: bool,
    ) -> bool:
        mention = Change(TriggerType.MENTION) if mentioned else None
        if not any(t.fires_on(change) or (mention and t.fires_on(mention)) for t in rule.triggers):
            return False
        if not rule.query:
            return True
        try:
            return case_matches(conn, compile_query(rule.query), event.case.id)
        except QuerySyntaxError:  # stored before the language changed: skip, say so
            log.warning("notification rule %s has a query that no longer parses", rule.id)
            return False

    def _mentioned(self, conn: Connection, event: CaseEvent) -> list[User]:
        """Whom the comment mentions; they watch the case from now on."""
        found = mentions_in(event.body)
        people = {
            user.id: user
            for user in [
                *store.users_named(conn, list(found.names)),
                *store.users_by_slack_ids(conn, list(found.slack_ids)),
            ]
        }
        for user in people.values():
            store.add_watcher(conn, event.case.id, user.id, event.occurred_at)
        return list(people.values())

    def _people(
        self, conn: Connection, event: CaseEvent, change: Change, mentioned: list[User]
    ) -> list[User]:
        """The case's people that the project's settings let hear of `change`."""
        # A case made in this very change has no watchers yet: most cases are made by
        # monitors, in storms, and skip the query.
        created = change.trigger == TriggerType.CASE_CREATED
        watchers = [] if created else store.watchers_of(conn, event.case.id)
        people: dict[Any, User] = {user.id: user for user in watchers}
        for user_id in (
            event.case.assignee_id,
            event.previous.assignee_id if event.previous else None,
        ):
            if user_id is not None and user_id not in people:
                found = find_user(conn, user_id)
                if found is not None:
                    people[user_id] = found
        if not people:
            return []
        settings = store.people_settings(conn, event.case.project_id)
        assigned = event.case.assignee_id is not None
        mentioned_ids = {user.id for user in mentioned}
        return [
            user
            for user in people.values()
            if user.id != event.actor.user_id
            and settings.wants(change, assigned=assigned, mentioned=user.id in mentioned_ids)
        ]

    def _queue(self, conn: Connection, event: CaseEvent, change: Change, route: Route) -> bool:
        told: dict[str, Any] = {
            "entry_id": event.timeline_entry_id,
            "kind": event.kind,
            "trigger": change.trigger.value,
            "body": event.body,
            "data": dict(event.data),
            "actor": event.actor.name or str(event.actor.source),
            "at": event.occurred_at.isoformat(),
        }
        open_key = f"{event.case.id}|{route.recipient}"
        extra: dict[str, Any] = {}
        send_at = event.occurred_at + self.burst
        if route.kind == DestinationKind.PAGERDUTY:
            action = pager_action(change, status=event.case.status)
            if action is None:
                return False
            # One event per action, at once: paging waits for no burst.
            open_key = f"{open_key}|{action.value}"
            extra = {"action": action.value}
            send_at = event.occurred_at
        return outbox.add_change(
            conn,
            case_id=event.case.id,
            route=route,
            open_key=open_key,
            entry_id=event.timeline_entry_id,
            change=told,
            extra=extra,
            now=event.occurred_at,
            send_at=send_at,
        )


def _slack(user_id: str) -> Route:
    return Route(f"slack:{user_id}", SLACK_ROUTE, address=user_id)


def _email(address: str) -> Route:
    normal = address.strip().lower()
    return Route(f"email:{normal}", DestinationKind.EMAIL.value, address=address.strip())


def _rule_routes(conn: Connection, rule: NotificationRule) -> list[Route]:
    routes: list[Route] = []
    for recipient in rule.recipients:
        if recipient.type == RecipientType.EMAIL:
            routes.append(_email(recipient.name))
            continue
        kind = RECIPIENT_DESTINATION.get(recipient.type)
        destination = store.find_destination(conn, recipient.name) if kind else None
        if destination is None or destination.kind != kind:
            log.warning("rule %s names a missing destination %r", rule.id, recipient.name)
            continue
        if destination.kind == DestinationKind.EMAIL:
            routes.append(_email(destination.config["address"]))
            continue
        routes.append(
            Route(
                f"destination:{destination.id}",
                destination.kind.value,
                destination_id=destination.id,
            )
        )
    return routes
