"""Issue <-> case state sync: the seed's tables as named tests, then properties."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bot.core.cases import CaseStatus
from bot.core.issue_sync import (
    Action,
    CaseChange,
    CaseStatusChanged,
    IssueChange,
    IssueLinked,
    IssueStateChanged,
    IssueUnlinked,
    LinkedCase,
    SyncDecision,
    SyncError,
    case_from_issue,
    least_advanced,
    move_issue,
    status_group,
    sync,
)
from bot.core.issues import IssueState, Occurrence, Regression, issue_document, on_occurrence
from bot.core.query import compile_query

OPEN, IN_PROGRESS, CLOSED = CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.CLOSED
FOR_REVIEW, REVIEWED = IssueState.FOR_REVIEW, IssueState.REVIEWED
RESOLVED, IGNORED, EXCLUDED = IssueState.RESOLVED, IssueState.IGNORED, IssueState.EXCLUDED


def case(status: CaseStatus, *states: IssueState) -> LinkedCase:
    return LinkedCase(status, {f"i{n}": state for n, state in enumerate(states, 1)})


# --- Single issue linked to a single case (seed table 1) ----------------------


@pytest.mark.parametrize(
    ("before", "state", "status"),
    [
        pytest.param(CLOSED, FOR_REVIEW, OPEN, id="issue-FOR-REVIEW-case-Open"),
        pytest.param(OPEN, REVIEWED, IN_PROGRESS, id="issue-REVIEWED-case-In-Progress"),
        pytest.param(OPEN, RESOLVED, CLOSED, id="issue-RESOLVED-case-Closed"),
        pytest.param(OPEN, IGNORED, CLOSED, id="issue-IGNORED-case-Closed"),
        pytest.param(IN_PROGRESS, EXCLUDED, CLOSED, id="issue-EXCLUDED-case-Closed"),
    ],
)
def test_single_issue_state_sets_case_status(
    before: CaseStatus, state: IssueState, status: CaseStatus
) -> None:
    start = LinkedCase(before, {"i1": default_for(before)})
    decision = sync(start, IssueStateChanged("i1", state))
    assert decision.case_status == status
    assert decision.case_change == CaseChange(before, status)
    assert decision.issue_states == {"i1": state}
    assert decision.issue_changes == ()


def default_for(status: CaseStatus) -> IssueState:
    return {OPEN: FOR_REVIEW, IN_PROGRESS: REVIEWED, CLOSED: RESOLVED}[status]


@pytest.mark.parametrize(
    ("state", "status", "after"),
    [
        pytest.param(RESOLVED, OPEN, FOR_REVIEW, id="case-Open-issue-FOR-REVIEW"),
        pytest.param(FOR_REVIEW, IN_PROGRESS, REVIEWED, id="case-In-Progress-issue-REVIEWED"),
        pytest.param(FOR_REVIEW, CLOSED, RESOLVED, id="case-Closed-issue-RESOLVED"),
        pytest.param(REVIEWED, CLOSED, RESOLVED, id="case-Closed-from-REVIEWED"),
        pytest.param(IGNORED, OPEN, FOR_REVIEW, id="case-Open-reopens-IGNORED"),
    ],
)
def test_single_case_status_sets_issue_state(
    state: IssueState, status: CaseStatus, after: IssueState
) -> None:
    start = LinkedCase(status_group(state), {"i1": state})
    decision = sync(start, CaseStatusChanged(status))
    assert decision.case_status == status
    assert decision.issue_changes == (IssueChange("i1", state, after),)
    assert decision.case_change is None  # the action's own change is not repeated


@pytest.mark.parametrize("state", [IGNORED, EXCLUDED], ids=["IGNORED", "EXCLUDED"])
def test_closing_a_case_keeps_issues_already_closed_another_way(state: IssueState) -> None:
    decision = sync(case(OPEN, FOR_REVIEW, state), CaseStatusChanged(CLOSED))
    assert decision.issue_states == {"i1": RESOLVED, "i2": state}
    assert decision.issue_changes == (IssueChange("i1", FOR_REVIEW, RESOLVED),)


# --- Multiple issues linked to one case (seed table 2, one test per row) -----


def test_case_status_change_updates_all_linked_issues() -> None:
    decision = sync(case(OPEN, FOR_REVIEW, FOR_REVIEW, RESOLVED), CaseStatusChanged(IN_PROGRESS))
    assert decision.issue_states == {"i1": REVIEWED, "i2": REVIEWED, "i3": REVIEWED}


def test_row_closed_case_all_resolved_one_issue_to_for_review_opens_case_others_stay() -> None:
    decision = sync(case(CLOSED, RESOLVED, RESOLVED, RESOLVED), IssueStateChanged("i2", FOR_REVIEW))
    assert decision.case_status == OPEN
    assert decision.issue_states == {"i1": RESOLVED, "i2": FOR_REVIEW, "i3": RESOLVED}
    assert decision.issue_changes == ()


def test_row_open_case_all_for_review_one_issue_resolved_case_stays_open() -> None:
    decision = sync(
        case(OPEN, FOR_REVIEW, FOR_REVIEW, FOR_REVIEW), IssueStateChanged("i1", RESOLVED)
    )
    assert decision.case_status == OPEN
    assert decision.case_change is None
    assert decision.issue_states == {"i1": RESOLVED, "i2": FOR_REVIEW, "i3": FOR_REVIEW}


def test_row_link_for_review_issue_to_closed_case_resolves_it() -> None:
    decision = sync(case(CLOSED, RESOLVED, RESOLVED), IssueLinked("new", FOR_REVIEW))
    assert decision.case_status == CLOSED
    assert decision.issue_states == {"i1": RESOLVED, "i2": RESOLVED, "new": RESOLVED}
    assert decision.issue_changes == (IssueChange("new", FOR_REVIEW, RESOLVED),)


def test_row_link_resolved_issue_to_open_case_keeps_it_resolved() -> None:
    decision = sync(case(OPEN, FOR_REVIEW, FOR_REVIEW), IssueLinked("new", RESOLVED))
    assert decision.case_status == OPEN
    assert decision.issue_states == {"i1": FOR_REVIEW, "i2": FOR_REVIEW, "new": RESOLVED}
    assert not decision.changes_anything


# --- Where the seed is silent: casebot's choices --------------------------------


def test_case_closes_when_its_last_open_issue_closes() -> None:
    first = sync(case(OPEN, FOR_REVIEW, FOR_REVIEW, REVIEWED), IssueStateChanged("i1", RESOLVED))
    assert first.case_status == OPEN
    second = sync(first.after, IssueStateChanged("i2", IGNORED))
    assert second.case_status == IN_PROGRESS  # only a REVIEWED issue is left open
    third = sync(second.after, IssueStateChanged("i3", RESOLVED))
    assert third.case_status == CLOSED
    assert third.issue_states == {"i1": RESOLVED, "i2": IGNORED, "i3": RESOLVED}


def test_one_reviewed_issue_among_for_review_ones_keeps_case_open() -> None:
    decision = sync(case(OPEN, FOR_REVIEW, FOR_REVIEW), IssueStateChanged("i1", REVIEWED))
    assert decision.case_status == OPEN


def test_regression_moves_in_progress_case_back_to_open() -> None:
    decision = sync(case(IN_PROGRESS, REVIEWED, REVIEWED), IssueStateChanged("i2", FOR_REVIEW))
    assert decision.case_change == CaseChange(IN_PROGRESS, OPEN)


def test_for_review_issue_linked_to_in_progress_case_becomes_reviewed() -> None:
    decision = sync(case(IN_PROGRESS, REVIEWED), IssueLinked("new", FOR_REVIEW))
    assert decision.after == LinkedCase(IN_PROGRESS, {"i1": REVIEWED, "new": REVIEWED})
    assert decision.issue_changes == (IssueChange("new", FOR_REVIEW, REVIEWED),)


def test_reviewed_issue_linked_to_open_case_stays_reviewed() -> None:
    decision = sync(case(OPEN, FOR_REVIEW), IssueLinked("new", REVIEWED))
    assert decision.after == LinkedCase(OPEN, {"i1": FOR_REVIEW, "new": REVIEWED})


def test_reviewed_issue_linked_to_closed_case_is_resolved() -> None:
    decision = sync(case(CLOSED, IGNORED), IssueLinked("new", REVIEWED))
    assert decision.issue_states["new"] == RESOLVED


def test_link_ignored_issue_to_closed_case_keeps_it_ignored() -> None:
    decision = sync(case(CLOSED, RESOLVED), IssueLinked("new", IGNORED))
    assert decision.issue_states["new"] == IGNORED
    assert not decision.changes_anything


def test_unlinking_changes_nothing() -> None:
    decision = sync(case(OPEN, FOR_REVIEW, RESOLVED), IssueUnlinked("i1"))
    assert decision.after == LinkedCase(OPEN, {"i2": RESOLVED})
    assert not decision.changes_anything


def test_moving_an_issue_links_it_to_the_new_case_in_its_state() -> None:
    source = case(OPEN, FOR_REVIEW, FOR_REVIEW)
    target = LinkedCase(CLOSED, {"t1": RESOLVED})
    move = move_issue(source, target, "i2")
    assert move.source.after == LinkedCase(OPEN, {"i1": FOR_REVIEW})
    assert move.target.after == LinkedCase(CLOSED, {"t1": RESOLVED, "i2": RESOLVED})
    assert move.target.issue_changes == (IssueChange("i2", FOR_REVIEW, RESOLVED),)


def test_case_from_issue_marks_it_reviewed_and_starts_in_progress() -> None:
    created = case_from_issue("i1", FOR_REVIEW)
    assert created.status == IN_PROGRESS
    assert created.issue_change == IssueChange("i1", FOR_REVIEW, REVIEWED)
    assert case_from_issue("i1", REVIEWED).issue_change is None


def test_same_status_again_changes_nothing() -> None:
    start = case(OPEN, FOR_REVIEW, RESOLVED)
    assert sync(start, CaseStatusChanged(OPEN)).after == start
    assert sync(start, IssueStateChanged("i2", RESOLVED)).after == start


def test_a_case_change_made_by_sync_must_not_be_replayed_as_a_persons() -> None:
    # Why the edge tags sync's own changes: replaying the reopen below as if a
    # person had reopened the case would drag the other issues to FOR REVIEW.
    before = case(CLOSED, RESOLVED, RESOLVED)
    decision = sync(before, IssueStateChanged("i1", FOR_REVIEW))
    assert decision.case_change == CaseChange(CLOSED, OPEN)
    replayed = sync(LinkedCase(CLOSED, decision.issue_states), CaseStatusChanged(OPEN))
    assert replayed.issue_states["i2"] == FOR_REVIEW  # the seed wants RESOLVED
    assert decision.issue_states["i2"] == RESOLVED


@pytest.mark.parametrize(
    ("start", "action", "message"),
    [
        pytest.param(case(OPEN), IssueStateChanged("x", RESOLVED), "issue x is not linked"),
        pytest.param(case(OPEN), IssueUnlinked("x"), "issue x is not linked"),
        pytest.param(case(OPEN, FOR_REVIEW), IssueLinked("i1", RESOLVED), "already linked"),
    ],
)
def test_actions_that_do_not_fit_the_case_are_refused(
    start: LinkedCase, action: Action, message: str
) -> None:
    with pytest.raises(SyncError, match=message):
        sync(start, action)


def test_issue_state_labels_and_api_names() -> None:
    assert [s.value for s in IssueState] == [
        "OPEN",
        "ACKNOWLEDGED",
        "RESOLVED",
        "IGNORED",
        "EXCLUDED",
    ]
    assert [s.label for s in IssueState] == [
        "FOR REVIEW",
        "REVIEWED",
        "RESOLVED",
        "IGNORED",
        "EXCLUDED",
    ]
    assert IssueState.parse("for review") is FOR_REVIEW
    assert IssueState.parse("ACKNOWLEDGED") is REVIEWED
    with pytest.raises(ValueError, match="unknown issue state 'DONE'"):
        IssueState.parse("DONE")


# --- Occurrences and the regression mark ----------------------------------------

SEEN_AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
RESOLVED_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_resolved_issue_seen_again_regresses_to_for_review() -> None:
    outcome = on_occurrence(RESOLVED, at=SEEN_AT, resolved_at=RESOLVED_AT, version="1.4.0")
    assert outcome == Occurrence(True, FOR_REVIEW, Regression(RESOLVED_AT, SEEN_AT, "1.4.0"))
    assert outcome.state_changed


def test_regression_then_reopens_its_closed_case() -> None:
    outcome = on_occurrence(RESOLVED, at=SEEN_AT)
    decision = sync(case(CLOSED, RESOLVED, RESOLVED), IssueStateChanged("i1", outcome.state))
    assert decision.case_change == CaseChange(CLOSED, OPEN)
    assert decision.issue_states == {"i1": FOR_REVIEW, "i2": RESOLVED}


@pytest.mark.parametrize(
    ("state", "record"),
    [
        pytest.param(FOR_REVIEW, True, id="for-review-counts"),
        pytest.param(REVIEWED, True, id="reviewed-counts"),
        pytest.param(IGNORED, True, id="ignored-counts-but-stays-muted"),
        pytest.param(EXCLUDED, False, id="excluded-records-nothing"),
    ],
)
def test_other_states_are_kept_on_occurrence(state: IssueState, record: bool) -> None:
    outcome = on_occurrence(state, at=SEEN_AT)
    assert outcome == Occurrence(record, state, None)
    assert not outcome.state_changed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("state:open", True, id="api-name"),
        pytest.param('state:"for review"', True, id="label"),
        pytest.param("state:acknowledged", False, id="other-state"),
        pytest.param("service:web-store team:payments", True, id="second-team"),
        pytest.param("error.type:timeouterror", True, id="error-type-folded"),
        pytest.param('"gateway timed out"', True, id="message-is-free-text"),
    ],
)
def test_issue_document_fields(query: str, expected: bool) -> None:
    document = issue_document(
        service="web-store",
        team=["Shopist", "payments"],
        error_type="TimeoutError",
        state=FOR_REVIEW,
        title="TimeoutError in checkout",
        message="Gateway timed out after 30s",
    )
    assert compile_query(query).matches(document) is expected


# --- Property: random sequences of changes on a case with 1-5 issues -----------

STATES = st.sampled_from(list(IssueState))
ORDER = [OPEN, IN_PROGRESS, CLOSED]
STATUSES = st.sampled_from(list(CaseStatus))


class CaseWithIssues(RuleBasedStateMachine):
    """Drives one case through random issue and case changes, checking after each step."""

    def __init__(self) -> None:
        super().__init__()
        self.case = LinkedCase(OPEN)
        self.last: SyncDecision | None = None
        self.last_action: Action | None = None
        self.counter = 0

    @initialize(states=st.lists(STATES, min_size=1, max_size=5))
    def start(self, states: list[IssueState]) -> None:
        issues = {f"i{n}": state for n, state in enumerate(states)}
        status = least_advanced(issues)
        assert status is not None
        self.case = LinkedCase(status, issues)
        self.counter = len(states)

    def apply(self, action: Action) -> None:
        decision = sync(self.case, action)
        assert decision.before == self.case
        self.last, self.last_action, self.case = decision, action, decision.after

    @rule(status=STATUSES)
    def person_sets_case_status(self, status: CaseStatus) -> None:
        before = self.case
        self.apply(CaseStatusChanged(status))
        if status == before.status:  # not a change: nothing moves
            assert self.case == before
            return
        for issue_id, state in self.case.issues.items():
            assert status_group(state) == status, issue_id
            if status_group(before.issues[issue_id]) == status:
                assert state == before.issues[issue_id], issue_id

    @rule(data=st.data(), state=STATES)
    def issue_state_changes(self, data: st.DataObject, state: IssueState) -> None:
        issue_id = data.draw(st.sampled_from(sorted(self.case.issues)))
        before = self.case
        self.apply(IssueStateChanged(issue_id, state))
        others = {i: s for i, s in self.case.issues.items() if i != issue_id}
        assert others == {i: s for i, s in before.issues.items() if i != issue_id}
        if before.issues[issue_id] != state:
            assert self.case.status == least_advanced(self.case.issues)
        if state is FOR_REVIEW:
            assert self.case.status == OPEN

    @precondition(lambda self: len(self.case.issues) < 5)
    @rule(state=STATES)
    def issue_linked(self, state: IssueState) -> None:
        before = self.case
        self.counter += 1
        issue_id = f"i{self.counter}"
        self.apply(IssueLinked(issue_id, state))
        assert self.case.status == before.status
        behind = ORDER.index(status_group(state)) < ORDER.index(before.status)
        expected = {OPEN: FOR_REVIEW, IN_PROGRESS: REVIEWED, CLOSED: RESOLVED}[before.status]
        assert self.case.issues[issue_id] == (expected if behind else state)

    @precondition(lambda self: len(self.case.issues) > 1)
    @rule(data=st.data())
    def issue_unlinked(self, data: st.DataObject) -> None:
        before = self.case
        issue_id = data.draw(st.sampled_from(sorted(self.case.issues)))
        self.apply(IssueUnlinked(issue_id))
        assert self.case.status == before.status
        assert {**self.case.issues, issue_id: before.issues[issue_id]} == before.issues

    @invariant()
    def case_is_never_further_along_than_an_issue(self) -> None:
        for state in self.case.issues.values():
            assert ORDER.index(self.case.status) <= ORDER.index(status_group(state))

    @invariant()
    def closed_case_has_only_closed_issues(self) -> None:
        if self.case.status == CLOSED:
            assert all(state.is_closed for state in self.case.issues.values())

    @invariant()
    def case_with_an_issue_for_review_is_open(self) -> None:
        if FOR_REVIEW in self.case.issues.values():
            assert self.case.status == OPEN

    @invariant()
    def status_actions_are_idempotent(self) -> None:
        action = self.last_action
        if isinstance(action, CaseStatusChanged | IssueStateChanged):
            again = sync(self.case, action)
            assert again.after == self.case
            assert not again.changes_anything

    @invariant()
    def replaying_syncs_issue_changes_changes_nothing_more(self) -> None:
        # The edge may see its own issue updates come back as issue events;
        # replayed from the state just before each one, they land on the same place.
        if self.last is None:
            return
        for change in self.last.issue_changes:
            undone = LinkedCase(
                self.case.status, {**self.case.issues, change.issue_id: change.before}
            )
            replay = sync(undone, IssueStateChanged(change.issue_id, change.after))
            assert replay.after == self.case
            assert replay.case_change is None

    @invariant()
    def reported_changes_are_exactly_what_sync_changed(self) -> None:
        # Everything that differs between before and after, except the action's
        # own change, is reported — and nothing else is.
        if self.last is None:
            return
        before, after, action = self.last.before, self.last.after, self.last_action
        own: dict[str, IssueState | None] = {}
        if isinstance(action, IssueStateChanged | IssueLinked):
            own[action.issue_id] = action.state
        differences = {
            (issue_id, own.get(issue_id, before.issues.get(issue_id)), state)
            for issue_id, state in after.issues.items()
            if state != own.get(issue_id, before.issues.get(issue_id))
        }
        reported = {(c.issue_id, c.before, c.after) for c in self.last.issue_changes}
        assert reported == differences
        if isinstance(action, CaseStatusChanged):
            assert self.last.case_change is None
        elif before.status != after.status:
            assert self.last.case_change == CaseChange(before.status, after.status)
        else:
            assert self.last.case_change is None


CaseWithIssues.TestCase.settings = settings(max_examples=300, stateful_step_count=25)
test_random_sequences_keep_the_sync_invariants = CaseWithIssues.TestCase
