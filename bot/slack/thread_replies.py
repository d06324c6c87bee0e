"""Thread replies by people, copied where they belong: synchronous, one transaction each.

A reply under an alert message that has a case becomes a comment on the case; a
reply under an error-tracking issue's message becomes a comment on the issue. Both
go through the services with the server's case listeners, so the comment travels
on as any other would: a case comment to the case's linked issues, an issue
comment to its case (bot/errortracking). Slack's retries of one event are
recognised by its `event_id` and copied once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from bot.errortracking import IssueService, with_issue_sync
from bot.services import outbox
from bot.services.cases import CaseListener, CaseService
from bot.services.projects import ProjectReader
from bot.slack.case_desk import SlackUser, actor
from bot.slack.issue_messages import ISSUE_KIND, issue_project


def mirror_reply(
    conn: Connection,
    *,
    event_id: str,
    channel_id: str,
    thread_ts: str,
    user: SlackUser,
    text: str,
    now: datetime,
    listeners: Sequence[CaseListener] = (),
) -> str | None:
    """Copy a human thread reply onto the case or issue its message is about, once.

    Returns the case key or issue id it went to; None when the thread is neither a
    case's nor an issue's, the project does not mirror threads, or this event was
    already handled (a Slack retry).
    """
    if not outbox.first_time(conn, event_id, now=now):
        return None
    live = outbox.find_message(conn, channel_id=channel_id, ts=thread_ts)
    if live is None:
        return None
    if live.case_id is not None:
        return _on_case(conn, live.case_id, user, text, now=now, listeners=listeners)
    if live.alert.get("kind") == ISSUE_KIND:
        issue_id = str(live.alert.get("issue_id", ""))
        return _on_issue(conn, issue_id, user, text, now=now, listeners=listeners)
    return None


def _on_case(
    conn: Connection,
    case_id: uuid.UUID,
    user: SlackUser,
    text: str,
    *,
    now: datetime,
    listeners: Sequence[CaseListener],
) -> str | None:
    service = CaseService(conn, now=now, listeners=with_issue_sync([*listeners]))
    case = service.find(case_id)
    if case is None:
        return None
    project = ProjectReader(conn).find(case.project_id)
    if project is None or not project.mirror_threads:
        return None
    service.comment(case, text, actor=actor(conn, user, now=now))
    return case.key


def _on_issue(
    conn: Connection,
    issue_id: str,
    user: SlackUser,
    text: str,
    *,
    now: datetime,
    listeners: Sequence[CaseListener],
) -> str | None:
    service = IssueService(conn, now=now, listeners=with_issue_sync([*listeners]))
    issue = service.find(issue_id)
    if issue is None:
        return None
    # The project whose setting counts: the linked case's, else the one the issue's
    # message was posted for (its rule's, else the error-tracking default).
    case = service.cases.find(issue.case_id) if issue.case_id is not None else None
    project = (
        ProjectReader(conn).find(case.project_id)
        if case is not None
        else issue_project(conn, issue, now=now)
    )
    if project is None or not project.mirror_threads:
        return None
    service.comment(issue.id, text, actor=actor(conn, user, now=now))
    return str(issue.id)
