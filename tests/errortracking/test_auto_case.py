"""Commenting on or assigning an issue without a case creates one, through the HTTP API.

Seed 000: "In Error Tracking, cases are automatically created when an issue is
commented on or assigned." The case is made as POST /issues/{id}/case makes
one (the first matching rule's project, else the error-tracking default; the
issue becomes REVIEWED, the case starts In Progress) and takes the comment or
the assignee. With no project to choose, the comment or assignment still
stands, no case is made, and `meta` says why.
"""

from __future__ import annotations

from typing import Any

from tests.errortracking.client import EtApi

ISSUES = "/api/v2/error-tracking/issues"
FOR_REVIEW, REVIEWED = "OPEN", "ACKNOWLEDGED"


def _case_of(api: EtApi, issue: str) -> Any:
    return api.issue(issue)["relationships"]["case"]["data"]


def _comments(api: EtApi, key: str) -> list[str]:
    return [
        cell["attributes"]["cell_content"]["message"]
        for cell in api.timeline(key)
        if cell["attributes"]["type"] == "COMMENT"
    ]


def test_a_comment_on_an_issue_without_a_case_creates_one_that_has_the_comment(
    api: EtApi,
) -> None:
    api.project("OPS", default=True)
    issue = api.new_issue()

    answer = api.comment_issue(issue, "seen in prod only")

    assert answer["meta"] == {"case_key": "OPS-1", "case_created": True, "no_case_reason": None}
    assert answer["data"]["attributes"]["message"] == "seen in prod only"
    case = api.case("OPS-1")
    assert _case_of(api, issue)["id"] == case["id"]
    assert case["attributes"]["status"] == "IN_PROGRESS"
    assert case["attributes"]["type"] == "ERROR_TRACKING"
    assert case["attributes"]["creation_source"] == "ERROR_TRACKING"
    assert api.state(issue) == REVIEWED
    assert _comments(api, "OPS-1") == ["seen in prod only"]
    kinds = [a["attributes"]["type"] for a in api.activity(issue)]
    assert kinds[-3:] == ["COMMENT", "LINKED", "STATE"]

    # The issue has its case now: the next comment only joins it.
    again = api.comment_issue(issue, "rolling back")
    assert again["meta"] == {"case_key": "OPS-1", "case_created": False, "no_case_reason": None}
    assert _comments(api, "OPS-1") == ["seen in prod only", "rolling back"]
    assert api.call("GET", "/api/v2/cases/OPS-2", expect=404)


def test_assigning_an_issue_without_a_case_creates_one_with_the_assignee(api: EtApi) -> None:
    api.project("OPS", default=True)
    ann = api.user("ann")
    issue = api.new_issue()

    answer = api.assign_issue(issue, ann)

    assert answer["meta"] == {"case_key": "OPS-1", "case_created": True, "no_case_reason": None}
    assert answer["data"]["attributes"]["state"] == REVIEWED
    assert answer["data"]["relationships"]["case"]["data"] is not None
    case = api.case("OPS-1")
    assert case["attributes"]["status"] == "IN_PROGRESS"
    assert case["relationships"]["assignee"]["data"]["id"] == ann
    activity = [(a["attributes"]["type"], a["attributes"]["data"]) for a in api.activity(issue)]
    assert [kind for kind, _ in activity[-3:]] == ["ASSIGNEE", "LINKED", "STATE"]
    assert activity[-1][1]["case"] == "OPS-1"


def test_the_case_goes_to_the_first_matching_rules_project(api: EtApi) -> None:
    api.project("OPS", default=True)
    web = api.project("WEB")
    rule = {
        "data": {
            "type": "error_tracking_rule",
            "attributes": {"query": "service:checkout"},
            "relationships": {"project": {"data": {"id": web, "type": "project"}}},
        }
    }
    api.call("POST", "/api/v2/error-tracking/rules", rule, expect=201)
    routed, other = api.new_issue("checkout"), api.new_issue("billing")

    assert api.comment_issue(routed, "on it")["meta"]["case_key"] == "WEB-1"
    assert api.assign_issue(other, api.user("ann"))["meta"]["case_key"] == "OPS-1"


def test_with_no_project_to_choose_the_change_stands_and_no_case_is_made(api: EtApi) -> None:
    api.project("WEB")  # neither the default nor any rule's
    ann = api.user("ann")
    issue = api.new_issue()

    commented = api.comment_issue(issue, "seen in prod only")
    meta = commented["meta"]
    assert (meta["case_key"], meta["case_created"]) == (None, False)
    assert "no automation rule matches this issue" in meta["no_case_reason"]
    assert "no case was created" in meta["no_case_reason"]
    assert api.state(issue) == FOR_REVIEW

    assigned = api.assign_issue(issue, ann)
    assert assigned["meta"]["no_case_reason"] == meta["no_case_reason"]
    assert assigned["data"]["relationships"]["assignee"]["data"]["id"] == ann
    # The assignment still reviews the issue (no case to follow).
    assert api.state(issue) == REVIEWED
    assert _case_of(api, issue) is None
    again = api.assign_issue(issue, ann)["meta"]
    assert (again["case_key"], again["case_created"]) == (None, False)
    assert "already has this assignee" in again["no_case_reason"]
    kinds = [a["attributes"]["type"] for a in api.activity(issue)]
    assert "LINKED" not in kinds and kinds.count("COMMENT") == 1

    # Unassigning is not an assignment: no case, even once a default exists.
    api.project("OPS", default=True)
    api.call("DELETE", f"{ISSUES}/{issue}/assignee", expect=204)
    assert _case_of(api, issue) is None


def test_a_closed_issue_is_commented_and_assigned_without_a_case_or_a_reopening(
    api: EtApi,
) -> None:
    api.project("OPS", default=True)
    ann = api.user("ann")
    for state in ("RESOLVED", "IGNORED", "EXCLUDED"):
        issue = api.new_issue()
        api.set_state(issue, state)

        commented = api.comment_issue(issue, "won't fix: the old checkout is gone")["meta"]
        assigned = api.assign_issue(issue, ann)["meta"]

        for meta in (commented, assigned):
            assert (meta["case_key"], meta["case_created"]) == (None, False)
            assert meta["no_case_reason"].startswith(
                f"the issue is {state}: a comment or an assignment does not reopen"
            )
        assert api.state(issue) == state
        assert _case_of(api, issue) is None
        assert api.issue(issue)["relationships"]["assignee"]["data"]["id"] == ann
