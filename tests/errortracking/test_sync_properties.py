"""Random sequences of issue and case changes, through the services, on a real database.

A case starts with 1-5 linked issues (and a second case to move issues to).
Each step is one change a person or the intake could make: an issue's state,
the case's status (through `CaseService`, whose listener carries it to the
issues), assignees on either side (a person assigning a FOR REVIEW issue
reviews it; an assignee sync carries to the other issues moves none of them),
comments on either side, linking, moving and unlinking, or an occurrence of
the error. After every step:

- the database holds exactly what the pure decisions (bot/core/issue_sync.py)
  say, applied to a model of the case kept alongside;
- a case is never further along than any of its issues;
- every issue linked to a case has the case's assignee;
- every change to a linked issue is on the case timeline, and sync's own case
  changes (actor source `error_tracking`) never come back as issue changes
  (no echo: each step changes the case status at most once).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine

from bot.core.cases import Actor, ActorSource, CaseStatus
from bot.core.issue_sync import (
    CaseStatusChanged,
    IssueLinked,
    IssueStateChanged,
    LinkedCase,
    case_from_issue,
    status_group,
    sync,
)
from bot.core.issues import IssueState, on_assignment
from bot.errortracking import ErrorEvent, IssueService, with_issue_sync
from bot.services.cases import CaseService
from bot.services.projects import ProjectService
from bot.services.users import UserService

pytestmark = pytest.mark.slow

ADVANCE = {CaseStatus.OPEN: 0, CaseStatus.IN_PROGRESS: 1, CaseStatus.CLOSED: 2}
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERSON = Actor(ActorSource.API, None, "tester")

states = st.sampled_from(list(IssueState))
statuses = st.sampled_from(list(CaseStatus))
issue_index = st.integers(0, 5)  # 0..4 are the starting issues, 5 is an unlinked extra
who = st.one_of(st.none(), st.integers(0, 1))

steps = st.one_of(
    st.tuples(st.just("issue_state"), issue_index, states),
    st.tuples(st.just("case_status"), statuses),
    st.tuples(st.just("assign_issue"), issue_index, who),
    st.tuples(st.just("assign_case"), who),
    st.tuples(st.just("comment_issue"), issue_index),
    st.tuples(st.just("comment_case")),
    st.tuples(st.just("link"), issue_index, st.booleans()),
    st.tuples(st.just("unlink"), issue_index),
    st.tuples(st.just("occurrence"), issue_index),
)


@dataclass
class Model:
    """What the database should hold: statuses, states, links, and timeline counts."""

    status: dict[str, CaseStatus]
    states: dict[str, IssueState]
    links: dict[str, str | None]
    issue_entries: dict[str, int] = field(default_factory=dict)

    def linked(self, case_id: str) -> LinkedCase:
        issues = {i: s for i, s in self.states.items() if self.links[i] == case_id}
        return LinkedCase(self.status[case_id], issues)


class World:
    """One case with issues, a second case, two users, on one connection.

    With `default`, the project is the error-tracking default, so a comment or
    an assignment on an issue without a case creates one (added to `case_ids`).
    """

    def __init__(self, conn: Connection, size: int, *, default: bool = False) -> None:
        self.conn = conn
        self.clock = START
        self.listeners = with_issue_sync(())
        self.default = default
        projects = ProjectService(conn, now=self.clock)
        project = projects.find("ET") or projects.create(
            name="Errors", key="ET", handle="et", is_error_tracking_default=default
        )
        self.project = project
        self.users = [
            UserService(conn, now=self.clock).ensure(name=f"u{n}", email=f"{uuid.uuid4()}@x")
            for n in (0, 1)
        ]
        self.issue_ids = [self._new_issue() for _ in range(size + 1)]
        first = self.issues().create_case(self.issue_ids[0], actor=PERSON, project=project.key)
        second = self.issues().create_case(self.issue_ids[size], actor=PERSON, project=project.key)
        self.issues().unlink(self.issue_ids[size], actor=PERSON)
        self.case_ids = [str(first.id), str(second.id)]
        for issue_id in self.issue_ids[1:size]:
            self.issues().link(issue_id, self.case_ids[0], actor=PERSON)
        self.size = size

    def tick(self) -> None:
        self.clock += timedelta(seconds=1)

    def cases(self) -> CaseService:
        return CaseService(self.conn, now=self.clock, listeners=self.listeners)

    def issues(self) -> IssueService:
        return IssueService(self.conn, now=self.clock, listeners=self.listeners)

    def _new_issue(self) -> str:
        event = ErrorEvent(service="svc", error_type=f"E{uuid.uuid4().hex}", error_message="m")
        return str(self.issues().record(event, actor=PERSON).issue.id)

    def snapshot(self) -> Model:
        found = [self.issues().get(i) for i in self.issue_ids]
        for issue in found:  # a case a comment or an assignment created
            if issue.case_id is not None and str(issue.case_id) not in self.case_ids:
                self.case_ids.append(str(issue.case_id))
        status = {c: self.cases().get(c).status for c in self.case_ids}
        return Model(
            status=status,
            states={str(i.id): i.state for i in found},
            links={str(i.id): str(i.case_id) if i.case_id else None for i in found},
            issue_entries={c: self._entries(c, "issue_state") for c in self.case_ids},
        )

    def _entries(self, case_id: str, kind: str) -> int:
        return sum(1 for e in self.cases().timeline(case_id) if e.kind == kind)

    def status_entries(self, case_id: str) -> int:
        return self._entries(case_id, "status")


def expected_after(model: Model, world: World, step: tuple[Any, ...]) -> Model:
    """The model after `step`, from the pure decisions (steps that change no state or link
    — comments, unassigning, an assignee sync carries — leave it as it is)."""
    kind = step[0]
    issue = world.issue_ids[min(step[1], world.size)] if kind not in _CASE_STEPS else ""
    case_id = world.case_ids[0]
    states = dict(model.states)
    status = dict(model.status)
    links = dict(model.links)
    new_state = _new_issue_state(world, states, issue, step)
    if _creates_case(world, links, states, issue, step):
        new = case_from_issue(issue, states[issue])
        status[NEW_CASE] = new.status
        states.update(new.after.issues)
        links[issue] = NEW_CASE
    elif new_state is not None:
        linked_to = links[issue]
        if linked_to is not None:
            decision = sync(model.linked(linked_to), IssueStateChanged(issue, new_state))
            status[linked_to] = decision.case_status
        states[issue] = new_state
    elif kind == "case_status":
        decision = sync(model.linked(case_id), CaseStatusChanged(step[1]))
        status[case_id] = decision.case_status
        states.update(decision.issue_states)
    elif kind == "link":
        target = world.case_ids[0 if step[2] else 1]
        if links[issue] != target:
            decision = sync(model.linked(target), IssueLinked(issue, states[issue]))
            states.update(decision.issue_states)
            links[issue] = target
    elif kind == "unlink":
        links[issue] = None
    return Model(status, states, links)


def _new_issue_state(
    world: World, states: dict[str, IssueState], issue: str, step: tuple[Any, ...]
) -> IssueState | None:
    """The state a step sets on its issue itself (before sync); None for no change."""
    kind = step[0]
    if kind == "issue_state":
        state: IssueState = step[2]
        return state
    if kind == "occurrence" and states[issue] is IssueState.RESOLVED:
        return IssueState.FOR_REVIEW
    # A person's assignment; assigning the person it already has assigns nobody.
    if kind == "assign_issue" and step[2] is not None and _reassigns(world, issue, step[2]):
        return on_assignment(states[issue])
    return None


def _creates_case(
    world: World,
    links: dict[str, str | None],
    states: dict[str, IssueState],
    issue: str,
    step: tuple[Any, ...],
) -> bool:
    """A comment, or a person's assignment, on an open issue without a case, with a project
    to use (a closed issue is not reopened by a case made for it)."""
    if step[0] not in ("comment_issue", "assign_issue") or not world.default:
        return False
    if links[issue] is not None or states[issue].is_closed:
        return False
    return step[0] == "comment_issue" or (step[2] is not None and _reassigns(world, issue, step[2]))


def _reassigns(world: World, issue: str, who: int) -> bool:
    return world.issues().get(issue).assignee_id != world.users[who].id


_CASE_STEPS = {"case_status", "assign_case", "comment_case"}
# Where the model puts the case a step creates; its id is known only afterwards.
NEW_CASE = "new case"


def run_step(world: World, step: tuple[Any, ...]) -> None:
    kind = step[0]
    issues, cases = world.issues(), world.cases()
    case_id = world.case_ids[0]
    issue = world.issue_ids[min(step[1], world.size)] if kind not in _CASE_STEPS else ""

    def user(n: int | None) -> uuid.UUID | None:
        return None if n is None else world.users[n].id

    if kind == "issue_state":
        issues.set_state(issue, step[2], actor=PERSON)
    elif kind == "case_status":
        cases.set_status(case_id, step[1], actor=PERSON)
    elif kind == "assign_issue":
        target = user(step[2])
        if target is None:
            issues.unassign(issue, actor=PERSON)
        else:
            issues.assign(issue, target, actor=PERSON)
    elif kind == "assign_case":
        target = user(step[1])
        if target is None:
            cases.unassign(case_id, actor=PERSON)
        else:
            cases.assign(case_id, target, actor=PERSON)
    elif kind == "comment_issue":
        issues.comment(issue, "a comment", actor=PERSON)
    elif kind == "comment_case":
        cases.comment(case_id, "a case comment", actor=PERSON)
    elif kind == "link":
        issues.link(issue, world.case_ids[0 if step[2] else 1], actor=PERSON)
    elif kind == "unlink":
        issues.unlink(issue, actor=PERSON)
    elif kind == "occurrence":
        found = issues.get(issue)
        event = ErrorEvent(service="svc", error_type=found.error_type, error_message="m")
        issues.record(event, actor=PERSON)


def _with_new_case(
    expected: Model, before: list[str], after: list[str], step: tuple[Any, ...]
) -> Model:
    """`expected` with the id of the case the step created in place of NEW_CASE."""
    created = [case_id for case_id in after if case_id not in before]
    if NEW_CASE not in expected.status:
        assert not created, f"a case was created by {step}"
        return expected
    assert len(created) == 1, f"expected one new case after {step}, got {created}"
    (new_id,) = created
    status = {(new_id if c == NEW_CASE else c): s for c, s in expected.status.items()}
    links = {i: (new_id if c == NEW_CASE else c) for i, c in expected.links.items()}
    return Model(status, expected.states, links)


def check_invariants(world: World, model: Model) -> None:
    for case_id in world.case_ids:
        case = world.cases().get(case_id)
        linked = world.issues().linked(case)
        for issue in linked:
            assert ADVANCE[case.status] <= ADVANCE[status_group(issue.state)], (
                f"case {case.key} is {case.status} but issue {issue.id} is {issue.state.label}"
            )
            assert issue.assignee_id == case.assignee_id, "a linked issue lost the case's assignee"


# Each example builds a case with issues on a real database: allow a loaded machine time.
@pytest.mark.timeout(600)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(size=st.integers(1, 5), plan=st.lists(steps, max_size=20), default=st.booleans())
def test_random_changes_keep_case_and_issues_in_sync(
    engine: Engine, size: int, plan: list[tuple[Any, ...]], default: bool
) -> None:
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            world = World(conn, size, default=default)
            model = world.snapshot()
            for step in plan:
                world.tick()
                expected = expected_after(model, world, step)
                before = list(world.case_ids)
                status_entries = [world.status_entries(c) for c in before]
                previous = model
                run_step(world, step)
                model = world.snapshot()
                expected = _with_new_case(expected, before, world.case_ids, step)
                changed = {i for i, s in model.states.items() if previous.states[i] != s}
                # A created case starts from its issue (no ISSUE_STATE entry): the old ones count.
                for case_id in before:
                    linked_changes = sum(1 for i in changed if model.links[i] == case_id)
                    new_entries = model.issue_entries[case_id] - previous.issue_entries[case_id]
                    assert new_entries == linked_changes, f"timeline missed a change: {step}"
                assert model.status == expected.status, step
                assert model.states == expected.states, step
                assert model.links == expected.links, step
                for count, case_id in zip(status_entries, before, strict=True):
                    assert world.status_entries(case_id) - count <= 1, f"echo after {step}"
                check_invariants(world, model)
        finally:
            transaction.rollback()


def test_every_linked_issue_change_is_on_the_case_timeline(engine: Engine) -> None:
    with engine.begin() as conn:
        world = World(conn, 3)
        setup = len(world.cases().timeline(world.case_ids[0]))
        for state in (IssueState.RESOLVED, IssueState.FOR_REVIEW, IssueState.IGNORED):
            world.tick()
            world.issues().set_state(world.issue_ids[1], state, actor=PERSON)
        world.tick()
        world.cases().set_status(world.case_ids[0], CaseStatus.CLOSED, actor=PERSON)
        entries = world.cases().timeline(world.case_ids[0])[setup:]
    changes = [e for e in entries if e.kind == "issue_state"]
    # 3 direct changes, then closing moves the two open issues (IGNORED stays closed).
    assert len(changes) == 5
    assert all(e.actor.source == ActorSource.ERROR_TRACKING for e in changes)
    closing = [e for e in entries if e.kind == "status" and e.actor.source == ActorSource.API]
    assert len(closing) == 1


def test_case_from_issue_is_in_progress_and_reviewed(engine: Engine) -> None:
    with engine.begin() as conn:
        world = World(conn, 1)
        case = world.cases().get(world.case_ids[0])
        issue = world.issues().get(world.issue_ids[0])
    expected = case_from_issue(str(issue.id), IssueState.FOR_REVIEW)
    assert case.status == expected.status == CaseStatus.IN_PROGRESS
    assert issue.state is IssueState.REVIEWED
