"""Links between issues and cases: create a case from an issue, link, move, unlink.

One case holds many issues; an issue links to at most one case (the
`case_id` column). Linking an issue that is linked elsewhere moves it, and
both cases' timelines say so. What happens to states on linking is decided by
bot/core/issue_sync.py; assignees follow the case (or the case takes the
issue's when it has none), so that every linked issue has the case's assignee.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from bot.core.cases import Actor, Case, CaseType, CreationSource, Priority, Project
from bot.core.issue_sync import IssueChange, IssueLinked, case_from_issue, move_issue, sync
from bot.core.issues import ActivityKind, Issue
from bot.db.issue_store import IssueStore
from bot.db.projects import find_project
from bot.errortracking.automation import AutomationRules, document_of
from bot.errortracking.case_entries import CaseEntryKind, issue_data, record_on_case, sync_actor
from bot.errortracking.errors import NoProjectForCase, found, parse_issue_id
from bot.services.cases import CaseService
from bot.services.projects import ProjectService

CASE_TITLE_MAX = 500


class Linker:
    def __init__(self, store: IssueStore, cases: CaseService) -> None:
        self.store = store
        self.cases = cases

    def case_project(self, issue: Issue, named: uuid.UUID | str | None) -> Project:
        """The first matching rule's project, else the one named, else the default."""
        match = AutomationRules(self.store.conn, now=self.store.now).first_match(document_of(issue))
        if match is not None:
            found = find_project(self.store.conn, uuid.UUID(match.project_id))
            if found is not None:
                return found
        if named is not None:
            return ProjectService(self.store.conn, now=self.store.now).get(named)
        projects = ProjectService(self.store.conn, now=self.store.now)
        default = projects.error_tracking_default()
        if default is None:
            existing = projects.list()
            raise NoProjectForCase(existing[0].key if existing else None)
        return default

    def create_case(
        self,
        issue: Issue,
        *,
        actor: Actor,
        project: uuid.UUID | str | Project | None = None,
        title: str | None = None,
        priority: str | None = None,
    ) -> Case:
        target = project if isinstance(project, Project) else self.case_project(issue, project)
        new = case_from_issue(str(issue.id), issue.state)
        attributes = {
            name: [value]
            for name, value in (
                ("service", issue.service),
                ("team", issue.team),
                ("env", issue.env),
            )
            if value
        }
        case = self.cases.create_case(
            project=target,
            title=(title or issue.title)[:CASE_TITLE_MAX],
            actor=actor,
            description=_description(issue),
            type=CaseType.ERROR_TRACKING.value,
            priority=priority or Priority.NOT_DEFINED,
            attributes=attributes,
            assignee_id=issue.assignee_id,
            creation_source=CreationSource.ERROR_TRACKING,
            created_by=actor.user_id,
            status=new.status,
        )
        moved_from = None
        if issue.case_id is not None:
            moved_from = self._record_unlink(issue, issue.case_id, actor, moved_to=case)
        issue = self._attach(issue, case, actor, created=True, moved_from=moved_from)
        if new.issue_change is not None:
            self.store.set_state(issue, new.issue_change.after, actor, case=case.key)
        return self.cases.get(case.id)

    def link(self, issue: Issue, case_ref: uuid.UUID | str, *, actor: Actor) -> Case:
        target = self.cases.get(case_ref)
        if issue.case_id == target.id:
            return target
        before = self.store.linked_case(target.status, target.id)
        moved_from = None
        if issue.case_id is not None:
            old = self.cases.get(issue.case_id)
            source = self.store.linked_case(old.status, old.id)
            decision = move_issue(source, before, str(issue.id)).target
            moved_from = self._record_unlink(issue, old.id, actor, moved_to=target)
        else:
            decision = sync(before, IssueLinked(str(issue.id), issue.state))
        issue = self._attach(issue, target, actor, created=False, moved_from=moved_from)
        self.apply_issue_changes(decision.issue_changes, target, actor)
        self._settle_assignee(issue, target, actor)
        return self.cases.get(target.id)

    def unlink(self, issue: Issue, *, actor: Actor) -> Issue:
        """Remove the issue's link; no state changes on either side."""
        if issue.case_id is None:
            return issue
        self._record_unlink(issue, issue.case_id, actor, moved_to=None)
        return self.store.write(issue, {"case_id": None})

    def apply_issue_changes(self, changes: Iterable[IssueChange], case: Case, actor: Actor) -> None:
        """Write the issue state changes sync decided, on the issues and the case timeline."""
        for change in changes:
            issue_id = parse_issue_id(change.issue_id)
            issue = found(self.store.find(issue_id, for_update=True), change.issue_id)
            if issue.state is change.after:
                continue
            self.store.set_state(issue, change.after, actor, case=case.key, by_sync=True)
            body = f"Issue {issue.title!r}: {issue.state.label} -> {change.after.label}"
            data = issue_data(issue, **{"from": issue.state.value, "to": change.after.value})
            record_on_case(self.cases, case.id, CaseEntryKind.ISSUE_STATE, actor, body, data)

    def align_assignees(
        self,
        case_id: uuid.UUID,
        user_id: uuid.UUID | None,
        name: str,
        actor: Actor,
        *,
        skip: uuid.UUID | None = None,
        on_case: bool = True,
    ) -> None:
        """Give every issue linked to the case this assignee (the case's)."""
        for other in self.store.linked(case_id, for_update=True):
            if other.id == skip or other.assignee_id == user_id:
                continue
            self.store.set_assignee(other, user_id, name, actor, by_sync=True)
            if on_case:
                body = f"Issue {other.title!r}: " + (
                    f"assigned to {name}" if user_id else "unassigned"
                )
                data = issue_data(other, to=str(user_id) if user_id else None)
                record_on_case(self.cases, case_id, CaseEntryKind.ISSUE_ASSIGNEE, actor, body, data)

    # --- Internals -------------------------------------------------------------

    def _attach(
        self, issue: Issue, case: Case, actor: Actor, *, created: bool, moved_from: str | None
    ) -> Issue:
        changed = self.store.write(issue, {"case_id": case.id})
        verb = "Case created from this issue:" if created else "Linked to case"
        self.store.record(
            issue.id,
            ActivityKind.LINKED,
            actor,
            f"{verb} {case.key}",
            {"case_id": str(case.id), "case_key": case.key},
        )
        where = f" (moved from {moved_from})" if moved_from else ""
        body = f"Issue {issue.title!r} linked{where}"
        data = issue_data(issue, state=issue.state.value, moved_from=moved_from)
        record_on_case(self.cases, case.id, CaseEntryKind.ISSUE_LINKED, actor, body, data)
        return changed

    def _record_unlink(
        self, issue: Issue, case_id: uuid.UUID, actor: Actor, *, moved_to: Case | None
    ) -> str:
        """Record the end of the link on the issue and the old case; the old case's key."""
        old = self.cases.get(case_id)
        where = f" (moved to {moved_to.key})" if moved_to is not None else ""
        self.store.record(
            issue.id,
            ActivityKind.UNLINKED,
            actor,
            f"Unlinked from case {old.key}{where}",
            {
                "case_id": str(old.id),
                "case_key": old.key,
                "moved_to": moved_to.key if moved_to else None,
            },
        )
        data = issue_data(issue, moved_to=moved_to.key if moved_to else None)
        body = f"Issue {issue.title!r} unlinked{where}"
        record_on_case(self.cases, old.id, CaseEntryKind.ISSUE_UNLINKED, actor, body, data)
        return old.key

    def _settle_assignee(self, issue: Issue, case: Case, actor: Actor) -> None:
        """After a link: the case's assignee wins; a case without one takes the issue's."""
        if case.assignee_id is not None:
            if issue.assignee_id != case.assignee_id:
                user = self.cases.get_user(case.assignee_id)
                self.align_assignees(case.id, user.id, user.name, actor)
        elif issue.assignee_id is not None:
            user = self.cases.get_user(issue.assignee_id)
            self.cases.assign(case.id, user.id, actor=sync_actor(actor))
            self.align_assignees(case.id, user.id, user.name, actor, skip=issue.id)


def _description(issue: Issue) -> str:
    lines = [
        f"Error-tracking issue `{issue.id}` in service `{issue.service}`.",
        "",
        f"{issue.error_type}: {issue.error_message}".strip(),
    ]
    return "\n".join(lines)
