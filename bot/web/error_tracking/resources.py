"""The error-tracking API's resources, as the routes answer them (see
`bot.web.api.models.error_tracking_resources` for their models).

Shapes follow Datadog's error-tracking API (issue resources of type `issue`,
first/last seen in epoch milliseconds, `{"data": {"type":
"error_tracking_issue", "attributes": {"state": …}}}` to change a state);
casebot adds members Datadog's clients ignore (`title`, `team`, `total_count`,
the `project` relationship).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from bot.core.issues import Activity, Issue
from bot.core.rules import Rule
from bot.web.api.resources import timestamp

Json = dict[str, Any]

ISSUE_TYPE = "issue"
STATE_TYPE = "error_tracking_issue"
ASSIGNEE_TYPE = "assignee"
RULE_TYPE = "error_tracking_rule"


def millis(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def _ref(kind: str, ident: uuid.UUID | str | None) -> Json:
    return {"data": {"id": str(ident), "type": kind} if ident is not None else None}


def issue_resource(issue: Issue) -> Json:
    regression = issue.regression
    attributes: Json = {
        "title": issue.title,
        "service": issue.service,
        "team": issue.team,
        "env": issue.env,
        "error_type": issue.error_type,
        "error_message": issue.error_message,
        "fingerprint": issue.fingerprint,
        "state": issue.state.value,
        "state_label": issue.state.label,
        "first_seen": millis(issue.first_seen),
        "last_seen": millis(issue.last_seen),
        "first_seen_version": issue.first_seen_version,
        "last_seen_version": issue.last_seen_version,
        "total_count": issue.occurrences,
        "is_regression": regression is not None,
    }
    if regression is not None:
        attributes["regression"] = {
            "resolved_at": timestamp(regression.resolved_at),
            "regressed_at": timestamp(regression.regressed_at),
            "regressed_at_version": regression.regressed_at_version,
        }
    return {
        "id": str(issue.id),
        "type": ISSUE_TYPE,
        "attributes": attributes,
        "relationships": {
            "assignee": _ref("user", issue.assignee_id),
            "case": _ref("case", issue.case_id),
            "project": _ref("project", issue.project_id),
        },
    }


def search_result(issue: Issue) -> Json:
    return {
        "id": str(issue.id),
        "type": "error_tracking_search_result",
        "attributes": {"total_count": issue.occurrences},
        "relationships": {"issue": {"data": {"id": str(issue.id), "type": ISSUE_TYPE}}},
    }


def activity_resource(entry: Activity) -> Json:
    return {
        "id": str(entry.id),
        "type": "issue_activity",
        "attributes": {
            "type": entry.kind.upper(),
            "message": entry.body,
            "data": entry.data,
            "author": {
                "id": str(entry.actor.user_id) if entry.actor.user_id else None,
                "name": entry.actor.name,
                "source": str(entry.actor.source),
            },
            "created_at": timestamp(entry.created_at),
        },
    }


def rule_resource(rule: Rule) -> Json:
    return {
        "id": rule.id,
        "type": RULE_TYPE,
        "attributes": {
            "query": rule.query,
            "auto_create": rule.auto_create,
            "position": rule.position,
        },
        "relationships": {"project": _ref("project", rule.project_id)},
    }
