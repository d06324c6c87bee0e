"""Every case operation: what it changes, and the timeline entry it leaves."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select

from bot.core.case_changes import AutoClose
from bot.core.cases import (
    Actor,
    ActorSource,
    Case,
    CaseEvent,
    CaseStatus,
    CaseType,
    CreationSource,
    Priority,
    Project,
    User,
)
from bot.db.cases import case_timeline
from bot.services.cases import (
    CaseNotFound,
    CaseService,
    InvalidCaseChange,
    ProjectNotFound,
    UserNotFound,
)
from bot.services.errors import InvalidUserChange
from bot.services.users import UserService
from tests.builders import API, NOW, make_case, make_project, make_user

LATER = NOW + timedelta(minutes=5)


@dataclass
class World:
    conn: Connection
    project: Project
    other: Project
    case: Case
    user: User


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    with engine.begin() as conn:
        project = make_project(conn, key="OPS", handle="ops")
        other = make_project(conn, key="SEC", handle="sec")
        case = make_case(conn, project, attributes={"service": ["web"]})
        user = make_user(conn, name="Ada")
        yield World(conn, project, other, case, user)


def test_create_case_takes_the_next_key_and_records_creation(world: World) -> None:
    service = CaseService(world.conn, now=NOW)
    second = service.create_case(
        project=world.project,
        title="  CPU high  ",
        description="**load** 12",
        priority="p2",
        attributes={"env": ["prod", "prod"], "team": ["ops"]},
        assignee_id=world.user.id,
        creation_source=CreationSource.MONITOR,
        actor=Actor.monitor(),
    )
    assert second.key == "OPS-2"
    assert (second.title, second.priority, second.status) == ("CPU high", Priority.P2, "OPEN")
    assert second.attributes == {"env": ("prod",), "team": ("ops",)}
    assert second.type == CaseType.STANDARD
    assert service.get("ops-2") == second
    assert service.get(str(second.id)) == second
    [created] = service.timeline(second)
    assert (created.kind, created.actor.source, created.created_at) == ("created", "monitor", NOW)


def test_create_case_in_a_project_given_by_handle_uses_its_default_type(world: World) -> None:
    make_project(world.conn, key="SECOPS", handle="secops", default_case_type="SECURITY")
    case = CaseService(world.conn, now=NOW).create_case(project="secops", title="t", actor=API)
    assert (case.key, case.type) == ("SECOPS-1", "SECURITY")


SLACK_ADA = Actor(ActorSource.SLACK, None, "ada")


@dataclass(frozen=True)
class Operation:
    run: Callable[[CaseService, World], object]
    kind: str
    body: str
    check: Callable[[Case], bool]
    data: dict[str, Any] = field(default_factory=dict)


OPERATIONS = {
    "status in progress": Operation(
        lambda s, w: s.set_status(w.case, "In Progress", actor=SLACK_ADA),
        "status",
        "Status changed from Open to In Progress",
        lambda c: c.status == CaseStatus.IN_PROGRESS and c.closed_at is None,
        {"from": "OPEN", "to": "IN_PROGRESS"},
    ),
    "status closed sets closed_at": Operation(
        lambda s, w: s.set_status(w.case, CaseStatus.CLOSED, actor=SLACK_ADA),
        "status",
        "Status changed from Open to Closed",
        lambda c: c.status == CaseStatus.CLOSED and c.closed_at == LATER,
    ),
    "priority": Operation(
        lambda s, w: s.set_priority(w.case, "P1", actor=SLACK_ADA),
        "priority",
        "Priority changed from NOT_DEFINED to P1",
        lambda c: c.priority == Priority.P1,
        {"from": "NOT_DEFINED", "to": "P1"},
    ),
    "title": Operation(
        lambda s, w: s.set_title(w.case, "Disk full on web-2", actor=SLACK_ADA),
        "title",
        "Title changed",
        lambda c: c.title == "Disk full on web-2",
        {"from": "Disk full on web-1", "to": "Disk full on web-2"},
    ),
    "description": Operation(
        lambda s, w: s.set_description(w.case, "see *runbook*", actor=SLACK_ADA),
        "description",
        "Description changed",
        lambda c: c.description == "see *runbook*",
    ),
    "attributes": Operation(
        lambda s, w: s.set_attributes(w.case, {"team": ["db"]}, actor=SLACK_ADA),
        "attributes",
        "Attributes changed",
        lambda c: c.attributes == {"team": ("db",)},
        {"from": {"service": ["web"]}, "to": {"team": ["db"]}},
    ),
    "assign": Operation(
        lambda s, w: s.assign(w.case, w.user.id, actor=SLACK_ADA),
        "assignee",
        "Assigned to Ada",
        lambda c: c.assignee_id is not None,
    ),
    "archive": Operation(
        lambda s, w: s.archive(w.case, actor=SLACK_ADA),
        "archived",
        "Archived",
        lambda c: c.archived_at == LATER,
    ),
    "resolved reason": Operation(
        lambda s, w: s.set_resolved_reason(w.case, "FALSE_POSITIVE", actor=SLACK_ADA),
        "resolved_reason",
        "Closing reason changed from none to false_positive",
        lambda c: c.closing_reason == "false_positive",
    ),
    "comment": Operation(
        lambda s, w: s.comment(w.case, "looking into it", actor=SLACK_ADA),
        "comment",
        "looking into it",
        lambda c: True,
    ),
    "monitor transition": Operation(
        lambda s, w: s.append(
            w.case, kind="monitor_transition", body="[Warn] disk 85%", actor=Actor.monitor()
        ),
        "monitor_transition",
        "[Warn] disk 85%",
        lambda c: True,
    ),
    "auto close": Operation(
        lambda s, w: s.auto_close(w.case, actor=Actor.monitor()),
        "auto_close",
        "monitor group resolved",
        lambda c: c.status == CaseStatus.CLOSED and c.closed_at == LATER,
    ),
    "move": Operation(
        lambda s, w: s.move_to_project(w.case, w.other, actor=SLACK_ADA),
        "moved",
        "Moved from OPS-1 to SEC-1",
        lambda c: c.key == "SEC-1",
        {"from_key": "OPS-1", "to_key": "SEC-1"},
    ),
}


@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_each_operation_changes_the_case_and_appends_one_timeline_entry(
    world: World, operation: Operation
) -> None:
    events: list[CaseEvent] = []
    service = CaseService(world.conn, now=LATER, listeners=[_Recorder(events)])
    operation.run(service, world)
    case = service.get(world.case.id)
    assert operation.check(case)
    assert case.modified_at == LATER
    entries = service.timeline(case)
    assert [e.kind for e in entries] == ["created", operation.kind]
    latest = entries[-1]
    assert latest.body == operation.body
    assert latest.created_at == LATER
    assert latest.actor.source in ("slack", "monitor")
    assert operation.data.items() <= dict(latest.data).items()
    [event] = events
    assert (event.kind, event.timeline_entry_id) == (operation.kind, latest.id)
    assert event.body == latest.body
    assert event.case == case
    if operation.kind in ("comment", "monitor_transition"):
        assert event.previous is None  # nothing but the timeline changed
    else:
        assert event.previous is not None and event.previous.modified_at == NOW


REPEATS = {
    "same status": lambda s, w: s.set_status(w.case, "OPEN", actor=API),
    "same priority": lambda s, w: s.set_priority(w.case, "NOT_DEFINED", actor=API),
    "same title": lambda s, w: s.set_title(w.case, "Disk full on web-1", actor=API),
    "same attributes": lambda s, w: s.set_attributes(w.case, {"service": ["web"]}, actor=API),
    "unassign unassigned": lambda s, w: s.unassign(w.case, actor=API),
    "unarchive unarchived": lambda s, w: s.unarchive(w.case, actor=API),
    "move to own project": lambda s, w: s.move_to_project(w.case, w.project, actor=API),
}


@pytest.mark.parametrize("operation", REPEATS.values(), ids=REPEATS.keys())
def test_a_change_to_the_current_value_records_nothing(
    world: World, operation: Callable[[CaseService, World], object]
) -> None:
    events: list[CaseEvent] = []
    service = CaseService(world.conn, now=LATER, listeners=[_Recorder(events)])
    operation(service, world)
    assert service.get(world.case.id) == world.case
    assert len(service.timeline(world.case)) == 1
    assert events == []


def test_unassign_and_unarchive_record_their_entries(world: World) -> None:
    service = CaseService(world.conn, now=LATER)
    service.assign(world.case, world.user.id, actor=API)
    service.archive(world.case, actor=API)
    assert service.unassign(world.case, actor=API).assignee_id is None
    assert service.unarchive(world.case, actor=API).archived_at is None
    kinds = [e.kind for e in service.timeline(world.case)]
    assert kinds == ["created", "assignee", "archived", "assignee", "unarchived"]


def test_a_security_case_cannot_close_without_a_reason(world: World) -> None:
    service = CaseService(world.conn, now=LATER)
    case = service.create_case(project=world.project, title="Leak", type="SECURITY", actor=API)
    with pytest.raises(InvalidCaseChange) as refused:
        service.set_status(case, "CLOSED", actor=API)
    assert refused.value.field == "closing_reason"
    assert "SECURITY" in refused.value.message
    assert service.get(case.id).status == CaseStatus.OPEN
    assert [e.kind for e in service.timeline(case)] == ["created"]

    closed = service.set_status(case, "CLOSED", closing_reason="testing", actor=API)
    assert (closed.status, closed.closing_reason, closed.closed_at) == ("CLOSED", "testing", LATER)


def test_a_security_case_closes_with_a_reason_set_beforehand(world: World) -> None:
    service = CaseService(world.conn, now=LATER)
    case = service.create_case(project=world.project, title="Leak", type="SECURITY", actor=API)
    service.set_resolved_reason(case, "one time exception", actor=API)
    assert service.set_status(case, "CLOSED", actor=API).closing_reason == "one_time_exception"


def test_reopening_clears_closed_at_and_the_closing_reason(world: World) -> None:
    service = CaseService(world.conn, now=LATER)
    service.set_status(world.case, "CLOSED", closing_reason="testing", actor=API)
    reopened = service.set_status(world.case, "OPEN", actor=API)
    assert (reopened.closed_at, reopened.closing_reason) == (None, None)
    assert service.get(world.case.id) == reopened


def test_auto_close_leaves_a_security_case_open_with_a_note(world: World) -> None:
    service = CaseService(world.conn, now=LATER)
    case = service.create_case(project=world.project, title="Leak", type="SECURITY", actor=API)
    assert service.auto_close(case, actor=Actor.monitor()) == AutoClose.NEEDS_REASON
    assert service.get(case.id).status == CaseStatus.OPEN
    assert "closing reason" in service.timeline(case)[-1].body


def test_auto_close_of_a_closed_case_records_nothing(world: World) -> None:
    service = CaseService(world.conn, now=LATER)
    service.set_status(world.case, "CLOSED", actor=API)
    assert service.auto_close(world.case, actor=Actor.monitor()) == AutoClose.ALREADY_CLOSED
    assert [e.kind for e in service.timeline(world.case)] == ["created", "status"]


BAD_CHANGES = {
    "empty title": (lambda s, w: s.set_title(w.case, "   ", actor=API), "title"),
    "unknown status": (lambda s, w: s.set_status(w.case, "OPENED", actor=API), "status"),
    "unknown priority": (lambda s, w: s.set_priority(w.case, "P9", actor=API), "priority"),
    "empty comment": (lambda s, w: s.comment(w.case, " ", actor=API), "comment"),
    "attribute not a list": (
        lambda s, w: s.set_attributes(w.case, {"env": "prod"}, actor=API),
        "attributes",
    ),
    "unknown closing reason": (
        lambda s, w: s.set_resolved_reason(w.case, "TRUE_POSITIVE", actor=API),
        "closing_reason",
    ),
    "create with empty title": (
        lambda s, w: s.create_case(project=w.project, title="", actor=API),
        "title",
    ),
    "create a closed security case": (
        lambda s, w: s.create_case(
            project=w.project, title="t", type="SECURITY", status="CLOSED", actor=API
        ),
        "status",
    ),
    "create with a bad type": (
        lambda s, w: s.create_case(project=w.project, title="t", type="no such!", actor=API),
        "type",
    ),
}


@pytest.mark.parametrize("change", BAD_CHANGES.values(), ids=BAD_CHANGES.keys())
def test_bad_values_are_refused_naming_the_field(
    world: World, change: tuple[Callable[[CaseService, World], object], str]
) -> None:
    run, field_name = change
    service = CaseService(world.conn, now=LATER)
    with pytest.raises(InvalidCaseChange) as refused:
        run(service, world)
    assert refused.value.field == field_name
    assert service.get(world.case.id) == world.case


def test_missing_things_raise_not_found(world: World) -> None:
    service = CaseService(world.conn, now=LATER)
    with pytest.raises(CaseNotFound):
        service.get("OPS-99")
    with pytest.raises(CaseNotFound):
        service.set_title(uuid.uuid4(), "x", actor=API)
    with pytest.raises(UserNotFound):
        service.assign(world.case, uuid.uuid4(), actor=API)
    with pytest.raises(UserNotFound):
        service.create_case(project=world.project, title="t", created_by=uuid.uuid4(), actor=API)
    # Refused before anything was written: the transaction goes on, no number lost.
    assert service.create_case(project=world.project, title="t", actor=API).key == "OPS-2"
    with pytest.raises(ProjectNotFound):
        service.create_case(project="nope", title="t", actor=API)
    with pytest.raises(ProjectNotFound):
        service.move_to_project(world.case, uuid.uuid4(), actor=API)


def test_listeners_write_in_the_same_transaction(engine: Engine) -> None:
    class Failing:
        def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
            raise RuntimeError("outbox full")

    with engine.begin() as conn:
        project = make_project(conn)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        CaseService(conn, now=NOW, listeners=[Failing()]).create_case(
            project=project, title="t", actor=API
        )
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(case_timeline)) == 0
        assert CaseService(conn, now=NOW).find(f"{project.key}-1") is None


def test_ensure_user_finds_by_slack_id_then_email(world: World) -> None:
    service = UserService(world.conn, now=NOW)
    first = service.ensure(name="Grace", slack_user_id="UGRACE")
    again = service.ensure(name="Grace Hopper", slack_user_id="UGRACE")
    assert again.id == first.id and again.name == "Grace Hopper"
    by_mail = service.ensure(name="Lin", email="lin@example.com")
    assert service.ensure(name="", email="lin@example.com").id == by_mail.id
    assert {u.name for u in service.list()} >= {"Ada", "Grace Hopper", "Lin"}
    with pytest.raises(InvalidUserChange):
        service.ensure(name="nobody")


def test_list_cases_filters_by_project_status_and_archive(world: World) -> None:
    service = CaseService(world.conn, now=LATER)
    second = make_case(world.conn, world.project, title="second")
    elsewhere = make_case(world.conn, world.other, title="elsewhere")
    service.set_status(second, "CLOSED", actor=API)
    service.archive(elsewhere, actor=API)
    assert {c.key for c in service.list_cases()} == {"OPS-1", "OPS-2"}
    assert {c.key for c in service.list_cases(include_archived=True)} == {"OPS-1", "OPS-2", "SEC-1"}
    closed = service.list_cases(project_id=world.project.id, statuses=[CaseStatus.CLOSED])
    assert [c.key for c in closed] == ["OPS-2"]


class _Recorder:
    def __init__(self, events: list[CaseEvent]) -> None:
        self.events = events

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        self.events.append(event)
