"""The Slack message of an error-tracking issue, and creating a case from its button.

- `IssueAnnouncer` is an issue listener (bot/errortracking/issue_listeners.py):
  when an occurrence makes a new issue, or a regression, and the issue's project
  (its rule's, else the error-tracking default) has a Slack channel, it queues a
  message there through the outbox, in the transaction of the occurrence.
- `create_case` is what the message's Create Case button does: synchronous, one
  transaction, run in a worker thread by the Bolt listener.

An issue message is a live message without a monitor group: its `alert`
document only names the issue, and its `case_id` stays empty, so the alert
side (re-rendering a case's alert messages) never touches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.case_service import CaseService
from bot.core.cases import Case, CaseEvent, Project
from bot.db.error_tracking import Issue
from bot.db.projects import find_project
from bot.errortracking import IssueService, Recorded, with_issue_sync
from bot.project_service import ProjectService
from bot.slack import outbox
from bot.slack.blocks import Message, issue_message, notice
from bot.slack.case_desk import SlackUser, actor
from bot.slack.channels import channel_ref
from bot.slack.issue_view import IssueView
from bot.slack.notifier import SlackNotifier

ISSUE_KIND = "error_tracking_issue"


@dataclass(frozen=True, slots=True)
class IssueOutcome:
    """What a click did: `created` a case, or found the one the issue already has."""

    case: Case
    created: bool
    text: str


class IssueAnnouncer:
    """Posts issue messages; it rides in the case listener list, where the intake finds it."""

    def __init__(self, notifier: SlackNotifier) -> None:
        self.notifier = notifier

    def on_issue_recorded(self, conn: Connection, recorded: Recorded, *, now: datetime) -> None:
        if not recorded.recorded or not (recorded.new_issue or recorded.regression):
            return
        project = issue_project(conn, recorded.issue, now=now)
        if project is None or not project.slack_channel:
            return
        issue = recorded.issue
        case = recorded.case or (
            CaseService(conn, now=now).find(issue.case_id) if issue.case_id else None
        )
        outbox.put_live_message(
            conn,
            group_id=None,
            cycle=None,
            channel_ref=channel_ref(project.slack_channel, workspace=self.notifier.workspace),
            message=self.message(issue, case, now=now),
            alert={"kind": ISSUE_KIND, "issue_id": str(issue.id)},
            now=now,
        )
        self.notifier.wake()

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        """Nothing: a case's own messages are the notifier's; this listens for issues."""

    def message(self, issue: Issue, case: Case | None, *, now: datetime) -> Message:
        return issue_message(issue_view(issue, case, self.notifier, now=now))


def issue_project(conn: Connection, issue: Issue, *, now: datetime) -> Project | None:
    """The project the issue's message goes to: its rule's, else the error-tracking default."""
    if issue.project_id is not None:
        found = find_project(conn, issue.project_id)
        if found is not None:
            return found
    return ProjectService(conn, now=now).error_tracking_default()


def issue_view(
    issue: Issue, case: Case | None, notifier: SlackNotifier, *, now: datetime
) -> IssueView:
    return IssueView(
        issue_id=str(issue.id),
        title=issue.title,
        service=issue.service,
        team=issue.team,
        error_type=issue.error_type,
        error_message=issue.error_message,
        state=issue.state.label,
        occurrences=issue.occurrences,
        regression=issue.regressed_at is not None and not issue.state.is_closed,
        case_key=case.key if case else None,
        case_url=notifier.links.url(case.key, now=now) if case else None,
    )


def create_case(
    conn: Connection,
    *,
    issue_id: str,
    channel_id: str,
    message_ts: str,
    user: SlackUser,
    announcer: IssueAnnouncer,
    now: datetime,
) -> IssueOutcome:
    """Create a case from the issue, as the API does, unless it is linked already.

    The issue is locked first (after its case), as every issue change does, so a
    double click waits for the first and then finds its case. Either way the
    clicked message ends up showing View case; only a new case gets a thread reply.
    """
    notifier = announcer.notifier
    service = IssueService(conn, now=now, listeners=with_issue_sync([notifier]))
    issue = service.lock(issue_id)
    live = outbox.find_message(conn, channel_id=channel_id, ts=message_ts)
    if live is not None and live.alert.get("issue_id") != str(issue.id):
        live = None  # not this issue's message: never re-render someone else's
    if issue.case_id is not None:
        case = service.cases.get(issue.case_id)
        if live is not None:
            outbox.change_message(conn, live.id, announcer.message(issue, case, now=now), now=now)
            notifier.wake()
        return IssueOutcome(case, False, f"This issue already has case *{case.key}*.")
    case = service.create_case(issue.id, actor=actor(conn, user, now=now))
    if live is not None:
        issue = service.get(issue.id)
        changed = outbox.change_message(
            conn, live.id, announcer.message(issue, case, now=now), now=now
        )
        text = notice("case_created", case_key=case.key, actor=user.mention)
        outbox.enqueue_reply(conn, changed, text, now=now)
        notifier.wake()
    return IssueOutcome(case, True, f"Case *{case.key}* created.")
