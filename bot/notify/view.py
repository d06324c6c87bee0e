"""What a notification says, whatever carries it: the case as it is now and the changes
of the burst, built once from a claimed outbox message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.services.notification_outbox import Delivery


@dataclass(frozen=True, slots=True)
class ChangeLine:
    kind: str
    trigger: str
    body: str
    by: str
    at: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: str  # the message's idempotency key: the same on every attempt
    case_id: str
    case_key: str
    title: str
    status: str  # OPEN, IN_PROGRESS, CLOSED
    status_name: str  # Open, In Progress, Closed
    priority: str
    assignee: str | None
    project_key: str
    project_name: str
    url: str
    changes: tuple[ChangeLine, ...]

    @property
    def headline(self) -> str:
        return f"[{self.case_key}] {self.title}"

    @property
    def authors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(change.by for change in self.changes))

    def document(self) -> dict[str, Any]:
        """The webhook's JSON body."""
        return {
            "id": self.id,
            "type": "case.changed",
            "case": {
                "id": self.case_id,
                "key": self.case_key,
                "title": self.title,
                "status": self.status,
                "status_name": self.status_name,
                "priority": self.priority,
                "assignee": self.assignee,
                "project": self.project_key,
                "url": self.url,
            },
            "changes": [
                {
                    "kind": c.kind,
                    "trigger": c.trigger,
                    "text": c.body,
                    "by": c.by,
                    "at": c.at,
                    "data": dict(c.data),
                }
                for c in self.changes
            ],
        }


def view_of(delivery: Delivery, *, url: str) -> NotificationView:
    case = delivery.case
    changes = tuple(
        ChangeLine(
            kind=str(c.get("kind", "")),
            trigger=str(c.get("trigger", "")),
            body=str(c.get("body", "")),
            by=str(c.get("actor", "")),
            at=str(c.get("at", "")),
            data=dict(c.get("data") or {}),
        )
        for c in delivery.message.payload.get("changes", [])
    )
    return NotificationView(
        id=delivery.message.idempotency_key,
        case_id=str(case.id),
        case_key=case.key,
        title=case.title,
        status=case.status.value,
        status_name=case.status.status_name,
        priority=case.priority.value,
        assignee=delivery.assignee,
        project_key=delivery.project_key,
        project_name=delivery.project_name,
        url=url,
        changes=changes,
    )
