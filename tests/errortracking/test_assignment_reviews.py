"""Assigning an issue reviews it, through the HTTP API.

Datadog: "→ REVIEWED when the issue is assigned". A person assigning a FOR
REVIEW (`OPEN`) issue makes it REVIEWED (`ACKNOWLEDGED`), and its case follows
by the sync rules. Other states stay, unassigning changes no state, and an
assignee that sync carries to an issue (from its case, or from another issue
of the case) changes no state either.
"""

from __future__ import annotations

from typing import Any

from tests.errortracking.client import EtApi

ISSUES = "/api/v2/error-tracking/issues"
FOR_REVIEW, REVIEWED = "OPEN", "ACKNOWLEDGED"


def _activity(api: EtApi, issue: str) -> list[tuple[str, str, Any]]:
    return [
        (a["attributes"]["type"], a["attributes"]["message"], a["attributes"]["data"])
        for a in api.activity(issue)
    ]


def _assignee(document: dict[str, Any]) -> Any:
    return document["relationships"]["assignee"]["data"]


def test_assigning_a_for_review_issue_reviews_it_and_its_activity_says_why(api: EtApi) -> None:
    ann = api.user("ann")
    issue = api.new_issue()
    assert api.state(issue) == FOR_REVIEW

    answer = api.assign_issue(issue, ann)

    assert answer["data"]["attributes"]["state"] == REVIEWED
    assert api.state(issue) == REVIEWED
    assigned, reviewed = _activity(api, issue)[-2:]
    assert assigned[:2] == ("ASSIGNEE", "Assigned to ann")
    assert reviewed[0] == "STATE"
    assert reviewed[1] == "State changed from FOR REVIEW to REVIEWED"
    assert reviewed[2]["reason"] == "assigned"
    assert (reviewed[2]["from"], reviewed[2]["to"]) == (FOR_REVIEW, REVIEWED)


def test_assigning_keeps_other_states_and_unassigning_changes_none(api: EtApi) -> None:
    ann, bob = api.user("ann"), api.user("bob")
    for state in ("RESOLVED", "IGNORED", "EXCLUDED", REVIEWED):
        issue = api.new_issue()
        api.set_state(issue, state)
        api.assign_issue(issue, ann)
        assert api.state(issue) == state
    issue = api.new_issue()
    api.assign_issue(issue, ann)
    api.set_state(issue, FOR_REVIEW)
    # Assigning the person it already has assigns nobody: nothing changes.
    before = len(api.activity(issue))
    api.assign_issue(issue, ann)
    assert (api.state(issue), len(api.activity(issue))) == (FOR_REVIEW, before)
    api.call("DELETE", f"{ISSUES}/{issue}/assignee", expect=204)
    assert api.state(issue) == FOR_REVIEW
    api.assign_issue(issue, bob)
    assert api.state(issue) == REVIEWED


def test_assigning_the_only_issue_of_an_open_case_puts_the_case_in_progress(api: EtApi) -> None:
    api.project("OPS", default=True)
    ann = api.user("ann")
    issue = api.new_issue()
    key = api.create_case(issue)["data"]["attributes"]["key"]
    api.set_case_status(key, "OPEN")
    assert api.state(issue) == FOR_REVIEW

    api.assign_issue(issue, ann)

    assert api.state(issue) == REVIEWED
    assert api.case_status(key) == "IN_PROGRESS"
    assert _assignee(api.case(key))["id"] == ann
    kinds = [cell["attributes"]["type"] for cell in api.timeline(key)]
    assert kinds[-3:] == ["ASSIGNEE", "ISSUE_STATE", "STATUS"]


def test_assigning_one_issue_reviews_only_that_one_and_the_case_stays_open(api: EtApi) -> None:
    ann, first, second, key = _open_case_with_two_issues(api)

    api.assign_issue(first, ann)

    assert [api.state(first), api.state(second)] == [REVIEWED, FOR_REVIEW]
    # The other issue took the assignee by sync, not a review: the case stays Open.
    assert _assignee(api.issue(second))["id"] == ann
    assert api.case_status(key) == "OPEN"


def test_assigning_a_case_carries_the_assignee_but_reviews_no_issue(api: EtApi) -> None:
    ann, first, second, key = _open_case_with_two_issues(api)

    api.assign_case(key, ann)

    for issue in (first, second):
        assert _assignee(api.issue(issue))["id"] == ann
        assert api.state(issue) == FOR_REVIEW
    assert api.case_status(key) == "OPEN"


def _open_case_with_two_issues(api: EtApi) -> tuple[str, str, str, str]:
    """User ann, and two FOR REVIEW issues linked to one Open case: (ann, first, second, key)."""
    api.project("OPS", default=True)
    ann = api.user("ann")
    first, second = api.new_issue(), api.new_issue()
    key = api.create_case(first)["data"]["attributes"]["key"]
    api.link(second, key)
    api.set_case_status(key, "OPEN")
    return ann, first, second, key
