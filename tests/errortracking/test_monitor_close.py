"""Case changes from outside the error-tracking API reach the issues (and the listeners)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource, CaseStatus
from bot.core.events import Source
from bot.core.issues import IssueState
from bot.errortracking import ErrorEvent, IssueService
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery
from bot.services.cases import CaseService
from tests.api.server import RecordingListener
from tests.engine.builders import T0, add_project, generic_body


def _deliver(engine: Engine, pipeline: Pipeline, body: bytes, minutes: int) -> None:
    now = T0 + timedelta(minutes=minutes)
    delivery = Delivery(Source.GENERIC, body, now)
    with engine.begin() as conn:
        pipeline.accept(conn, delivery, pipeline.parse(delivery, now=now), now=now)


def test_monitor_recovery_resolves_the_issues_of_its_case(engine: Engine) -> None:
    pipeline = Pipeline()
    add_project(engine)
    _deliver(engine, pipeline, generic_body(at="2026-11-20T09:00:00Z"), 0)
    person = Actor(ActorSource.API, None, "responder")
    with engine.begin() as conn:
        issues = IssueService(conn, now=T0, listeners=pipeline.case_listeners)
        issue = issues.record(ErrorEvent("web", "DiskFull"), actor=person).issue
        issues.link(issue.id, "OPS-1", actor=person)
        assert issues.get(issue.id).state is IssueState.FOR_REVIEW

    _deliver(engine, pipeline, generic_body("OK", at="2026-11-20T09:09:00Z"), 9)

    with engine.connect() as conn:
        issues = IssueService(conn, now=T0)
        assert issues.get(issue.id).state is IssueState.RESOLVED
        (activity,) = [a for a in issues.activity(issue.id) if a.data.get("by_sync")]
    assert activity.actor.source == ActorSource.MONITOR
    assert activity.body == "State changed from FOR REVIEW to RESOLVED"


def test_listeners_of_the_assembled_list_hear_what_sync_writes(engine: Engine) -> None:
    """The app builds its case listener list once (the Slack notifier in it); sync's own
    entries reach every listener of that list."""
    recorder = RecordingListener()
    pipeline = Pipeline(case_listeners=[recorder])
    add_project(engine, is_error_tracking_default=True)
    person = Actor(ActorSource.API, None, "responder")
    with engine.begin() as conn:
        issues = IssueService(conn, now=T0, listeners=pipeline.case_listeners)
        issue = issues.record(ErrorEvent("web", "DiskFull"), actor=person).issue
        case = issues.create_case(issue.id, actor=person)
        CaseService(conn, now=T0, listeners=pipeline.case_listeners).set_status(
            case.key, CaseStatus.CLOSED, actor=person
        )
    kinds = [(event.kind, event.actor.source) for event in recorder.events]
    # Sync runs inside the status change, so its entry is heard first.
    assert kinds[-2:] == [("issue_state", "error_tracking"), ("status", "api")]
