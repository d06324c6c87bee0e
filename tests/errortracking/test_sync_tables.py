"""The seed's two sync tables, row by row, through the HTTP API.

Seed 002 ("State dual-way sync between issues and cases"). API state names:
FOR REVIEW = OPEN, REVIEWED = ACKNOWLEDGED. Case statuses: Open = OPEN,
In Progress = IN_PROGRESS, Closed = CLOSED.
"""

from __future__ import annotations

from tests.errortracking.client import EtApi

FOR_REVIEW, REVIEWED = "OPEN", "ACKNOWLEDGED"
RESOLVED, IGNORED, EXCLUDED = "RESOLVED", "IGNORED", "EXCLUDED"


def _case_with(api: EtApi, count: int) -> tuple[str, list[str]]:
    """A case made from one new issue, with `count - 1` more new issues linked to it."""
    api.project("OPS", default=True)
    issues = [api.new_issue() for _ in range(count)]
    key = api.create_case(issues[0])["data"]["attributes"]["key"]
    for issue in issues[1:]:
        api.link(issue, key)
    return key, issues


def _states(api: EtApi, issues: list[str]) -> list[str]:
    return [api.state(issue) for issue in issues]


# --- Single issue linked to a single case -------------------------------------------


def _single_issue_state_gives_case_status(api: EtApi, state: str, status: str) -> None:
    key, (issue,) = _case_with(api, 1)
    # Start from the other end of the table so that the change is a real one.
    api.set_state(issue, RESOLVED if state in (FOR_REVIEW, REVIEWED) else FOR_REVIEW)
    api.set_state(issue, state)
    assert api.state(issue) == state
    assert api.case_status(key) == status


def _case_status_gives_single_issue_state(api: EtApi, status: str, state: str) -> None:
    key, (issue,) = _case_with(api, 1)
    api.set_case_status(key, "CLOSED" if status != "CLOSED" else "OPEN")
    api.set_case_status(key, status)
    assert api.case_status(key) == status
    assert api.state(issue) == state


def test_single_for_review_is_open(api: EtApi) -> None:
    _single_issue_state_gives_case_status(api, FOR_REVIEW, "OPEN")
    _case_status_gives_single_issue_state(api, "OPEN", FOR_REVIEW)


def test_single_reviewed_is_in_progress(api: EtApi) -> None:
    _single_issue_state_gives_case_status(api, REVIEWED, "IN_PROGRESS")
    _case_status_gives_single_issue_state(api, "IN_PROGRESS", REVIEWED)


def test_single_resolved_is_closed(api: EtApi) -> None:
    _single_issue_state_gives_case_status(api, RESOLVED, "CLOSED")
    # RESOLVED is the default state of the Closed group.
    _case_status_gives_single_issue_state(api, "CLOSED", RESOLVED)


def test_single_ignored_is_closed(api: EtApi) -> None:
    _single_issue_state_gives_case_status(api, IGNORED, "CLOSED")


def test_single_excluded_is_closed(api: EtApi) -> None:
    _single_issue_state_gives_case_status(api, EXCLUDED, "CLOSED")


# --- Several issues linked to one case -----------------------------------------------


def test_case_status_update_moves_every_linked_issue(api: EtApi) -> None:
    key, issues = _case_with(api, 3)
    for status, state in (("OPEN", FOR_REVIEW), ("CLOSED", RESOLVED), ("IN_PROGRESS", REVIEWED)):
        api.set_case_status(key, status)
        assert _states(api, issues) == [state] * 3


def test_closed_case_all_resolved_one_issue_to_for_review_opens_case_others_stay_resolved(
    api: EtApi,
) -> None:
    key, issues = _case_with(api, 3)
    api.set_case_status(key, "CLOSED")
    assert _states(api, issues) == [RESOLVED] * 3

    api.set_state(issues[1], FOR_REVIEW)

    assert api.case_status(key) == "OPEN"
    assert _states(api, issues) == [RESOLVED, FOR_REVIEW, RESOLVED]
    kinds = [(cell["attributes"]["type"]) for cell in api.timeline(key)]
    assert kinds[-2:] == ["ISSUE_STATE", "STATUS"]


def test_open_case_all_for_review_one_issue_to_resolved_case_stays_open_others_stay(
    api: EtApi,
) -> None:
    key, issues = _case_with(api, 3)
    api.set_case_status(key, "OPEN")
    assert _states(api, issues) == [FOR_REVIEW] * 3

    api.set_state(issues[0], RESOLVED)

    assert api.case_status(key) == "OPEN"
    assert _states(api, issues) == [RESOLVED, FOR_REVIEW, FOR_REVIEW]


def test_closed_case_link_for_review_issue_case_stays_closed_all_resolved(api: EtApi) -> None:
    key, issues = _case_with(api, 2)
    api.set_case_status(key, "CLOSED")
    newcomer = api.new_issue()
    assert api.state(newcomer) == FOR_REVIEW

    api.link(newcomer, key)

    assert api.case_status(key) == "CLOSED"
    assert _states(api, [*issues, newcomer]) == [RESOLVED] * 3


def test_open_case_link_resolved_issue_case_stays_open_new_one_stays_resolved(
    api: EtApi,
) -> None:
    key, issues = _case_with(api, 2)
    api.set_case_status(key, "OPEN")
    newcomer = api.new_issue()
    api.set_state(newcomer, RESOLVED)

    api.link(newcomer, key)

    assert api.case_status(key) == "OPEN"
    assert _states(api, [*issues, newcomer]) == [FOR_REVIEW, FOR_REVIEW, RESOLVED]
