"""Recording one error occurrence: upsert the issue by fingerprint, then react.

- A new fingerprint makes a new FOR REVIEW issue; the automation rules are
  evaluated once, the first match routes the issue to its project and, with
  auto-create, opens a case at once.
- An EXCLUDED issue records nothing (not even its count).
- A RESOLVED issue seen again goes back to FOR REVIEW with the regression
  mark, and its case follows (a closed case reopens).

Two first occurrences racing each other: the unique fingerprint lets one
insert win; the other, inside a savepoint, falls back to updating.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bot.core.cases import Actor, ActorSource
from bot.core.issues import ActivityKind, Issue, IssueState, on_occurrence
from bot.db.issue_store import IssueStore
from bot.errortracking.automation import AutomationRules, document_of
from bot.errortracking.errors import IssueRef
from bot.errortracking.intake import ErrorEvent, Recorded
from bot.errortracking.linking import Linker


class Service(Protocol):
    """What recording needs of the issue service (bot/errortracking/service.py)."""

    conn: Connection
    now: datetime
    store: IssueStore
    linker: Linker

    def get(self, ref: IssueRef, *, for_update: bool = False) -> Issue: ...

    def lock(self, ref: IssueRef, *cases: uuid.UUID) -> Issue: ...

    def change_state(
        self,
        issue: Issue,
        state: IssueState,
        *,
        actor: Actor,
        regression: bool = False,
        reason: str | None = None,
    ) -> Issue: ...


AUTOMATION = Actor(ActorSource.ERROR_TRACKING, None, "automation rule")
REGRESSION = Actor(ActorSource.ERROR_TRACKING, None, "regression detection")


def record_occurrence(service: Service, event: ErrorEvent, *, actor: Actor) -> Recorded:
    store = service.store
    fingerprint = event.issue_fingerprint
    existing = store.by_fingerprint(fingerprint)
    if existing is None:
        try:
            with store.conn.begin_nested():
                issue = _insert_issue(service, event, fingerprint)
        except IntegrityError:
            existing = store.by_fingerprint(fingerprint)
            if existing is None:
                raise
        else:
            store.record(issue.id, ActivityKind.CREATED, actor, "Issue created")
            _add_occurrence(service, issue.id, event)
            return _route_new_issue(service, issue)
    # Locked in the order every change uses: its case first, then the issue.
    return _seen_again(service, service.lock(existing.id), event)


def _insert_issue(service: Service, event: ErrorEvent, fingerprint: str) -> Issue:
    at = event.occurred_at or service.now
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "fingerprint": fingerprint,
        "title": event.issue_title,
        "service": event.service.strip(),
        "team": event.team,
        "env": event.env,
        "error_type": event.error_type.strip(),
        "error_message": event.error_message,
        "first_seen": at,
        "last_seen": at,
        "first_seen_version": event.version,
        "last_seen_version": event.version,
        "occurrences": 1,
        "state": IssueState.FOR_REVIEW.value,
        "assignee_id": None,
        "case_id": None,
        "project_id": None,
        "rule_id": None,
        "resolved_at": None,
        "regressed_at": None,
        "regressed_at_version": None,
        "created_at": service.now,
        "modified_at": service.now,
    }
    service.store.insert(values)
    return Issue(**{**values, "state": IssueState.FOR_REVIEW})


def _add_occurrence(service: Service, issue_id: uuid.UUID, event: ErrorEvent) -> None:
    service.store.add_occurrence(
        {
            "issue_id": issue_id,
            "occurred_at": event.occurred_at or service.now,
            "version": event.version,
            "env": event.env,
            "message": event.error_message,
        }
    )


def _route_new_issue(service: Service, issue: Issue) -> Recorded:
    match = AutomationRules(service.conn, now=service.now).first_match(document_of(issue))
    if match is None:
        return Recorded(issue, recorded=True, new_issue=True)
    project_id = uuid.UUID(match.project_id)
    issue = service.store.write(
        issue, {"project_id": project_id, "rule_id": uuid.UUID(match.rule.id)}
    )
    service.store.record(
        issue.id,
        ActivityKind.ROUTED,
        AUTOMATION,
        f"Rule {match.index + 1} ({match.rule.query}) matched",
        {
            "rule_id": match.rule.id,
            "project_id": match.project_id,
            "auto_create": match.auto_create,
        },
    )
    case = None
    if match.auto_create:
        case = service.linker.create_case(issue, actor=AUTOMATION)
        issue = service.get(issue.id)
    return Recorded(issue, recorded=True, new_issue=True, rule=match.rule, case=case)


def _seen_again(service: Service, issue: Issue, event: ErrorEvent) -> Recorded:
    at = event.occurred_at or service.now
    outcome = on_occurrence(
        issue.state, at=at, resolved_at=issue.resolved_at, version=event.version
    )
    if not outcome.record:
        return Recorded(issue, recorded=False)
    values: dict[str, Any] = {
        "occurrences": issue.occurrences + 1,
        "first_seen": min(issue.first_seen, at),
    }
    if at >= issue.last_seen:
        values["last_seen"] = at
        values["last_seen_version"] = event.version or issue.last_seen_version
    issue = service.store.write(issue, values)
    _add_occurrence(service, issue.id, event)
    if outcome.regression is None:
        return Recorded(issue, recorded=True)
    regression = outcome.regression
    issue = service.store.write(
        issue,
        {
            "regressed_at": regression.regressed_at,
            "regressed_at_version": regression.regressed_at_version,
        },
    )
    service.store.record(
        issue.id,
        ActivityKind.REGRESSION,
        REGRESSION,
        "Seen again after it was resolved",
        {"version": event.version},
    )
    issue = service.change_state(issue, outcome.state, actor=REGRESSION, regression=True)
    return Recorded(issue, recorded=True, regression=True)
