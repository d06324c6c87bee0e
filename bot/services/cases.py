"""The case service: every change to a case, from any edge, goes through here.

`CaseService(conn, now=...)` works inside a transaction its caller owns (the
webhook handler, Slack listener, API route or CLI command commits). Each change
appends a timeline entry with its actor and time, bumps `modified_at`, and
calls every listener's `on_case_event(conn, event)` on the same connection, so
that what listeners write (the Slack outbox, issue sync) commits or rolls back
with the change itself.

How a change is written (the row, the timeline entry, the listeners) is the
base class, `CaseWriter` (bot/services/case_writer.py); what a monitor group's recovery
or new alert does to its case is `MonitorChanges` (bot/services/case_monitor_changes.py).

Errors are `CaseNotFound`, `ProjectNotFound`, `UserNotFound` and
`InvalidChange(field, message)` (`InvalidCaseChange` / `InvalidProjectChange`);
database errors caused by bad input never escape as they are.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.case_changes import plan_status_change
from bot.core.case_ids import new_case_id
from bot.core.cases import (
    PERSON_SOURCES,
    Actor,
    Case,
    CaseStatus,
    CaseType,
    ClosingReason,
    CreationSource,
    Priority,
    TimelineEntry,
    TimelineKind,
    User,
    case_key,
    parse_case_type,
    parse_closing_reason,
    parse_priority,
    parse_status,
    validate_attributes,
    validate_comment,
    validate_description,
    validate_title,
)
from bot.core.custom_attributes import (
    CustomAttribute,
    CustomAttributeSpec,
    parse_custom_attribute,
    plan_custom_attribute,
)
from bot.db import case_store
from bot.db.cases import attributes_to_json, custom_attributes_to_json
from bot.db.cycle_store import move_cycle_claims
from bot.services.case_listeners import CaseListener
from bot.services.case_monitor_changes import MonitorChanges
from bot.services.case_reader import CaseRef
from bot.services.case_writer import ProjectRef, checked
from bot.services.errors import (
    CaseNotFound,
    CaseServiceError,
    InvalidCaseChange,
    InvalidChange,
    InvalidProjectChange,
    ProjectNotFound,
    UserNotFound,
)

__all__ = [
    "CaseListener",
    "CaseNotFound",
    "CaseRef",
    "CaseService",
    "CaseServiceError",
    "InvalidCaseChange",
    "InvalidChange",
    "InvalidProjectChange",
    "ProjectNotFound",
    "ProjectRef",
    "UserNotFound",
]


class CaseService(MonitorChanges):
    """Case operations on one connection, inside the caller's transaction, at time `now`
    (`CaseService(conn, now=..., listeners=...)`)."""

    # --- Creating --------------------------------------------------------------

    def create_case(
        self,
        *,
        project: ProjectRef,
        title: str,
        actor: Actor,
        description: str = "",
        type: str | None = None,
        priority: Priority | str = Priority.NOT_DEFINED,
        attributes: Mapping[str, Sequence[str]] | None = None,
        assignee_id: uuid.UUID | None = None,
        creation_source: CreationSource | str = CreationSource.MANUAL,
        created_by: uuid.UUID | None = None,
        status: CaseStatus | str = CaseStatus.OPEN,
        custom_attributes: Mapping[str, CustomAttributeSpec] | None = None,
    ) -> Case:
        """Open a case with the next key of `project` (a `Project`, its id, key or handle)."""
        target = self._project(project)
        initial = checked(parse_status(status))
        clean_title = checked(validate_title(title))
        clean_description = checked(validate_description(description))
        case_type = checked(parse_case_type(type if type is not None else target.default_case_type))
        clean_priority = checked(parse_priority(priority))
        clean_attributes = checked(validate_attributes(dict(attributes or {})))
        custom = {
            key: checked(parse_custom_attribute(key, spec))
            for key, spec in (custom_attributes or {}).items()
        }
        if initial == CaseStatus.CLOSED and case_type == CaseType.SECURITY:
            raise InvalidCaseChange(
                "status", "a SECURITY case cannot be created closed: it needs a closing reason"
            )
        # Checked before writing: on PostgreSQL a failed insert would abort the
        # caller's whole transaction.
        for user_id in (assignee_id, created_by):
            if user_id is not None:
                self._require_user(user_id)
        # Numbered as it is stored (below): 0 and an empty key until then.
        case = Case(
            id=new_case_id(self.now),
            project_id=target.id,
            number=0,
            key="",
            title=clean_title,
            description=clean_description,
            type=case_type,
            status=initial,
            priority=clean_priority,
            assignee_id=assignee_id,
            attributes=clean_attributes,
            creation_source=str(creation_source),
            created_by=created_by,
            closing_reason=None,
            created_at=self.now,
            modified_at=self.now,
            closed_at=self.now if initial == CaseStatus.CLOSED else None,
            archived_at=None,
            custom_attributes=custom,
            first_worked_at=self.now if actor.source in PERSON_SOURCES else None,
        )
        if self.batch is not None:
            number = self._next_number(target)
            case = dataclasses.replace(case, number=number, key=case_key(target.key, number))
            self.batch.rows.add_case(case)
        else:
            stored = case_store.insert_numbered_case(self.conn, case, target.key)
            if stored is None:
                raise ProjectNotFound(target.id)
            case = stored
        self._created.add(case.id)
        self._record(
            case, None, TimelineKind.CREATED, actor, f"Case {case.key} created", {"key": case.key}
        )
        return case

    # --- Changing --------------------------------------------------------------

    def set_status(
        self,
        ref: CaseRef,
        status: CaseStatus | str,
        *,
        actor: Actor,
        closing_reason: ClosingReason | str | None = None,
    ) -> Case:
        """Move the case to `status` (or status name). Closing a SECURITY case needs a reason."""
        new_status = checked(parse_status(status))
        reason = checked(parse_closing_reason(closing_reason)) if closing_reason else None
        case = self._load_for_change(ref)
        plan = checked(plan_status_change(case, new_status, closing_reason=reason, now=self.now))
        if plan is None:
            return case
        closed = plan.status == CaseStatus.CLOSED
        changed = self._update(
            case,
            {
                "status": plan.status.value,
                "closed_at": plan.closed_at,
                "closing_reason": plan.closing_reason,
                "closed_by": (case.closed_by or str(actor.source)) if closed else None,
            },
            actor,
        )
        body = f"Status changed from {case.status.status_name} to {plan.status.status_name}"
        if plan.status == CaseStatus.CLOSED and plan.closing_reason:
            body += f" ({plan.closing_reason})"
        data = {"from": case.status.value, "to": plan.status.value}
        if plan.closing_reason:
            data["closing_reason"] = plan.closing_reason
        self._record(changed, case, TimelineKind.STATUS, actor, body, data)
        return changed

    def set_priority(self, ref: CaseRef, priority: Priority | str, *, actor: Actor) -> Case:
        new = checked(parse_priority(priority))
        return self._change_field(
            ref, "priority", new, actor, TimelineKind.PRIORITY, "Priority changed from {} to {}"
        )

    def set_title(self, ref: CaseRef, title: str, *, actor: Actor) -> Case:
        new = checked(validate_title(title))
        return self._change_field(ref, "title", new, actor, TimelineKind.TITLE, "Title changed")

    def set_description(self, ref: CaseRef, description: str, *, actor: Actor) -> Case:
        new = checked(validate_description(description))
        return self._change_field(
            ref, "description", new, actor, TimelineKind.DESCRIPTION, "Description changed"
        )

    def set_attributes(
        self, ref: CaseRef, attributes: Mapping[str, Sequence[str]], *, actor: Actor
    ) -> Case:
        """Replace the case's attributes (key -> list of strings)."""
        new = checked(validate_attributes(attributes))
        case = self._load_for_change(ref)
        if dict(case.attributes) == new:
            return case
        changed = self._update(case, {"attributes": attributes_to_json(new)}, actor)
        data = {"from": attributes_to_json(case.attributes), "to": attributes_to_json(new)}
        self._record(changed, case, TimelineKind.ATTRIBUTES, actor, "Attributes changed", data)
        return changed

    def set_custom_attribute(
        self, ref: CaseRef, key: str, value: CustomAttributeSpec, *, actor: Actor
    ) -> Case:
        """Set custom attribute `key` (TEXT, URL, NUMBER or SELECT; one value, or a list
        with `is_multi`), replacing its value if it has one."""
        new = checked(parse_custom_attribute(key, value))
        return self._change_custom_attribute(ref, key, new, actor)

    def remove_custom_attribute(self, ref: CaseRef, key: str, *, actor: Actor) -> Case:
        """Remove custom attribute `key`; removing one the case does not have changes nothing."""
        return self._change_custom_attribute(ref, key, None, actor)

    def _change_custom_attribute(
        self, ref: CaseRef, key: str, new: CustomAttribute | None, actor: Actor
    ) -> Case:
        case = self._load_for_change(ref)
        plan = plan_custom_attribute(case.custom_attributes, key, new)
        if plan is None:
            return case
        written = custom_attributes_to_json(plan.attributes)
        changed = self._update(case, {"custom_attributes": written}, actor)
        kind = TimelineKind.CUSTOM_ATTRIBUTES
        self._record(changed, case, kind, actor, plan.body, plan.data)
        return changed

    def assign(self, ref: CaseRef, user_id: uuid.UUID, *, actor: Actor) -> Case:
        user = self._require_user(user_id)
        case = self._load_for_change(ref)
        if case.assignee_id == user.id:
            return case
        changed = self._update(case, {"assignee_id": user.id}, actor)
        data = {
            "from": str(case.assignee_id) if case.assignee_id else None,
            "to": str(user.id),
        }
        self._record(changed, case, TimelineKind.ASSIGNEE, actor, f"Assigned to {user.name}", data)
        if (
            actor.user_id == user.id
            and changed.status == CaseStatus.OPEN
            and self._project(changed.project_id).lifecycle.self_assign_in_progress
        ):
            # The project's auto_transition_assigned_cases_on_self_assigned.
            return self.set_status(changed, CaseStatus.IN_PROGRESS, actor=actor)
        return changed

    def unassign(self, ref: CaseRef, *, actor: Actor) -> Case:
        case = self._load_for_change(ref)
        if case.assignee_id is None:
            return case
        changed = self._update(case, {"assignee_id": None}, actor)
        data = {"from": str(case.assignee_id), "to": None}
        self._record(changed, case, TimelineKind.ASSIGNEE, actor, "Unassigned", data)
        return changed

    def archive(self, ref: CaseRef, *, actor: Actor) -> Case:
        case = self._load_for_change(ref)
        if case.archived_at is not None:
            return case
        changed = self._update(case, {"archived_at": self.now}, actor)
        self._record(changed, case, TimelineKind.ARCHIVED, actor, "Archived", {})
        return changed

    def unarchive(self, ref: CaseRef, *, actor: Actor) -> Case:
        case = self._load_for_change(ref)
        if case.archived_at is None:
            return case
        changed = self._update(case, {"archived_at": None}, actor)
        self._record(changed, case, TimelineKind.UNARCHIVED, actor, "Unarchived", {})
        return changed

    def set_resolved_reason(
        self, ref: CaseRef, reason: ClosingReason | str, *, actor: Actor
    ) -> Case:
        """Set the closing reason (before closing a SECURITY case, or to correct it)."""
        new = checked(parse_closing_reason(reason))
        return self._change_field(
            ref,
            "closing_reason",
            new,
            actor,
            TimelineKind.RESOLVED_REASON,
            "Closing reason changed from {} to {}",
        )

    def comment(self, ref: CaseRef, text: str, *, actor: Actor) -> TimelineEntry:
        """Add a comment; returns its timeline entry."""
        body = checked(validate_comment(text))
        entry = self._record(self._touch(ref, actor), None, TimelineKind.COMMENT, actor, body, {})
        assert entry is not None, "a comment's case is written already (_touch flushed)"
        return entry

    def append(
        self,
        ref: CaseRef,
        *,
        kind: str,
        body: str,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Add any other timeline entry (a monitor transition's rendered text, a note).

        The hot path of monitor notifications: two statements, no read before them
        (one for a case this service has just created, none when a batch holds it).
        """
        case = ref if isinstance(ref, Case) and ref.id in self._created else self._touch(ref, actor)
        self._record(case, None, kind, actor, body, dict(data or {}))

    def move_to_project(self, ref: CaseRef, project: ProjectRef, *, actor: Actor) -> Case:
        """Move the case to another project: it gets that project's next key."""
        target = self._project(project)
        case = self._load_for_change(ref)
        if case.project_id == target.id:
            return case
        number = self._next_number(target)
        new_key = case_key(target.key, number)
        changed = self._update(
            case, {"project_id": target.id, "number": number, "key": new_key}, actor
        )
        move_cycle_claims(self.conn, case_id=case.id, project_id=target.id)
        data = {
            "from_key": case.key,
            "to_key": new_key,
            "from_project": str(case.project_id),
            "to_project": str(target.id),
        }
        body = f"Moved from {case.key} to {new_key}"
        self._record(changed, case, TimelineKind.MOVED, actor, body, data)
        return changed

    # --- Users (bot/services/users.py is their home) ---------------------------

    def get_user(self, user_id: uuid.UUID) -> User:
        return self._require_user(user_id)
