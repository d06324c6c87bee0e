"""The Slack message of an error-tracking issue, kept in step with the issue's case.

- `IssueAnnouncer` is an issue listener (bot/errortracking/issue_listeners.py):
  when an occurrence makes a new issue, or a regression, and the issue's project
  (its rule's, else the error-tracking default) has a Slack channel, it queues a
  message there through the outbox, in the transaction of the occurrence.
- It is also a case listener: the timeline entries an issue change writes on its
  case (`issue_linked`, `issue_unlinked`, `issue_state`) and the case's own
  status, auto-close and move re-render the issue's messages (View case KEY and
  the case's status instead of Create Case), queued as chat.update through the
  outbox like alert messages. `on_issue_changed` catches what has no such
  entry: creating a case marks the issue REVIEWED after them, and an issue
  without a case has no timeline at all (its state changes come only here).
- `create_case` is what the message's Create Case button does: synchronous, one
  transaction, run in a worker thread by the Bolt listener.

An issue message is a live message without a monitor group: its `alert`
document only names the issue (and whether it was posted for a regression), and
its `case_id` stays empty, so the alert side (re-rendering a case's alert
messages) never touches it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.core.cases import Case, CaseEvent, Project, TimelineKind
from bot.core.issues import Issue
from bot.core.outbox import LiveMessage, Message
from bot.errortracking import IssueService, Recorded, with_issue_sync
from bot.errortracking.case_entries import CaseEntryKind
from bot.services import outbox
from bot.services.case_reader import CaseReader
from bot.services.cases import CaseListener
from bot.services.projects import ProjectReader
from bot.slack.blocks import issue_message, notice
from bot.slack.case_desk import SlackUser, actor
from bot.slack.channels import channel_ref
from bot.slack.issue_view import IssueView
from bot.slack.notifier import SlackNotifier

ISSUE_KIND = "error_tracking_issue"

# Case timeline entries about one issue (data["issue_id"]), and case changes the message shows.
_ISSUE_ENTRIES = frozenset(
    {CaseEntryKind.ISSUE_LINKED, CaseEntryKind.ISSUE_UNLINKED, CaseEntryKind.ISSUE_STATE}
)
_CASE_CHANGES = frozenset({TimelineKind.STATUS, TimelineKind.AUTO_CLOSE, TimelineKind.MOVED})


@dataclass(frozen=True, slots=True)
class IssueOutcome:
    """What a click did: `created` a case, or found the one the issue already has."""

    case: Case
    created: bool
    text: str


class IssueAnnouncer:
    """Posts issue messages and keeps them in step; it rides in the case listener list."""

    def __init__(self, notifier: SlackNotifier) -> None:
        self.notifier = notifier

    # -- the error-tracking intake -------------------------------------------------------

    def on_issue_recorded(self, conn: Connection, recorded: Recorded, *, now: datetime) -> None:
        if not recorded.recorded or not (recorded.new_issue or recorded.regression):
            return
        project = issue_project(conn, recorded.issue, now=now)
        if project is None or not project.slack_channel:
            return
        issue = recorded.issue
        case = recorded.case or (CaseReader(conn).find(issue.case_id) if issue.case_id else None)
        regression = _is_regression(issue)
        outbox.put_live_message(
            conn,
            group_id=None,
            cycle=None,
            channel_ref=channel_ref(project.slack_channel, workspace=self.notifier.workspace),
            message=self.message(issue, case, now=now, regression=regression),
            alert={"kind": ISSUE_KIND, "issue_id": str(issue.id), "regression": regression},
            now=now,
        )
        self.notifier.wake()

    def on_issue_changed(self, conn: Connection, issue_id: uuid.UUID, *, now: datetime) -> None:
        issue = IssueService(conn, now=now).find(issue_id)
        if issue is not None:
            self.follow(conn, issue, _case_of(conn, issue, now=now), now=now)

    # -- the case service ----------------------------------------------------------------

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        """Re-render the messages of the issues the change is about."""
        now = event.occurred_at
        if event.kind in _ISSUE_ENTRIES:
            issue = IssueService(conn, now=now).find(str(event.data.get("issue_id", "")))
            if issue is None:
                return
            # An unlink is written before the issue lets go of the case.
            unlinked = event.kind == CaseEntryKind.ISSUE_UNLINKED and not event.data.get("moved_to")
            case = None if unlinked else _case_of(conn, issue, now=now, known=event.case)
            self.follow(conn, issue, case, now=now)
        elif event.kind in _CASE_CHANGES:
            for issue in IssueService(conn, now=now).linked(event.case):
                self.follow(conn, issue, event.case, now=now)

    # -- rendering -----------------------------------------------------------------------

    def follow(
        self, conn: Connection, issue: Issue, case: Case | None, *, now: datetime
    ) -> list[LiveMessage]:
        """Bring every message of the issue up to date; returns them (changed or not)."""
        found: list[LiveMessage] = []
        changed = False
        for live in outbox.messages_of_issue(conn, issue.id):
            regression = live.alert.get("regression")
            message = self.message(
                issue,
                case,
                now=now,
                regression=_is_regression(issue) if regression is None else bool(regression),
            )
            if _shown(message) != _shown(Message(live.text, live.blocks)):
                live = outbox.change_message(conn, live.id, message, now=now)
                changed = True
            found.append(live)
        if changed:
            self.notifier.wake()
        return found

    def message(
        self, issue: Issue, case: Case | None, *, now: datetime, regression: bool
    ) -> Message:
        return issue_message(issue_view(issue, case, self.notifier, now=now, regression=regression))


def issue_project(conn: Connection, issue: Issue, *, now: datetime) -> Project | None:
    """The project the issue's message goes to: its rule's, else the error-tracking default."""
    projects = ProjectReader(conn)
    if issue.project_id is not None:
        found = projects.find(issue.project_id)
        if found is not None:
            return found
    return projects.error_tracking_default()


def issue_view(
    issue: Issue,
    case: Case | None,
    notifier: SlackNotifier,
    *,
    now: datetime,
    regression: bool = False,
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
        regression=regression,
        case_key=case.key if case else None,
        case_url=notifier.links.url(case.key, now=now) if case else None,
        case_status=case.status.value if case else None,
    )


def create_case(
    conn: Connection,
    *,
    issue_id: str,
    channel_id: str,
    message_ts: str,
    user: SlackUser,
    announcer: IssueAnnouncer,
    listeners: Sequence[CaseListener] = (),
    now: datetime,
) -> IssueOutcome:
    """Create a case from the issue, as the API does, unless it is linked already.

    `listeners` are the case listeners every change goes through (the pipeline's:
    issue sync, the Slack notifier and the announcer). The issue is locked first
    (after its case), as every issue change does, so a double click waits for the
    first and then finds its case. Either way the issue's messages end up showing
    View case; only a new case gets a thread reply under the clicked message.
    """
    service = IssueService(conn, now=now, listeners=with_issue_sync([*listeners]))
    issue = service.lock(issue_id)
    live = outbox.find_message(conn, channel_id=channel_id, ts=message_ts)
    if live is not None and live.alert.get("issue_id") != str(issue.id):
        live = None  # not this issue's message: no reply under someone else's
    if issue.case_id is not None:
        case = service.cases.get(issue.case_id)
        announcer.follow(conn, issue, case, now=now)  # the clicked message may be stale
        return IssueOutcome(case, False, f"This issue already has case *{case.key}*.")
    case = service.create_case(issue.id, actor=actor(conn, user, now=now))
    announcer.follow(conn, service.get(issue.id), case, now=now)  # if no listener did
    if live is not None:
        text = notice("case_created", case_key=case.key, actor=user.mention)
        outbox.enqueue_reply(conn, live, text, now=now)
        announcer.notifier.wake()
    return IssueOutcome(case, True, f"Case *{case.key}* created.")


def _case_of(
    conn: Connection, issue: Issue, *, now: datetime, known: Case | None = None
) -> Case | None:
    if issue.case_id is None:
        return None
    if known is not None and known.id == issue.case_id:
        return known
    return CaseReader(conn).find(issue.case_id)


def _is_regression(issue: Issue) -> bool:
    return issue.regressed_at is not None and not issue.state.is_closed


def _shown(message: Message) -> Any:
    """What a reader sees of a message: its text and blocks without the signed links
    (a link is signed anew at every render)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "url"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return (message.text, strip(message.blocks))
