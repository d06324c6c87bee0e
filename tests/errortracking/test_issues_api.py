"""Issues through the HTTP API: intake, regression, state, assignee, comments, cases, search."""

from __future__ import annotations

from typing import Any

from tests.api.server import key_pair
from tests.errortracking.client import EtApi

ISSUES = "/api/v2/error-tracking/issues"


def _attributes(document: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = document["data"]["attributes"]
    return attributes


# --- Intake ---------------------------------------------------------------------------


def test_first_occurrence_opens_a_for_review_issue_later_ones_count(api: EtApi) -> None:
    first = api.event(
        "web-store", "TypeError", message="x is undefined", timestamp=1_700_000_000_000
    )
    assert first["meta"] == {
        "recorded": True,
        "new_issue": True,
        "regression": False,
        "rule_id": None,
        "case_key": None,
    }
    issue_id = first["data"]["id"]
    again = api.event("web-store", "TypeError", expect=200, timestamp=1_700_000_060_000)
    assert again["data"]["id"] == issue_id
    attributes = api.issue(issue_id)["attributes"]
    assert attributes["state"] == "OPEN"
    assert attributes["state_label"] == "FOR REVIEW"
    assert attributes["total_count"] == 2
    assert (attributes["first_seen"], attributes["last_seen"]) == (
        1_700_000_000_000,
        1_700_000_060_000,
    )
    assert attributes["title"] == "TypeError: x is undefined"
    other_service = api.event("billing", "TypeError", expect=201)
    assert other_service["data"]["id"] != issue_id


def test_a_client_fingerprint_groups_different_errors(api: EtApi) -> None:
    one = api.event("api", "KeyError", fingerprint="checkout-crash", expect=201)
    two = api.event("api", "IndexError", fingerprint="checkout-crash", expect=200)
    assert one["data"]["id"] == two["data"]["id"]


def test_an_excluded_issue_records_nothing(api: EtApi) -> None:
    issue = api.new_issue("api", "KeyError")
    api.set_state(issue, "EXCLUDED")
    answer = api.event("api", "KeyError", expect=200)
    assert answer["meta"]["recorded"] is False
    assert api.issue(issue)["attributes"]["total_count"] == 1
    # Choosing any other state resumes collection.
    api.set_state(issue, "IGNORED")
    assert api.event("api", "KeyError")["meta"]["recorded"] is True
    assert api.issue(issue)["attributes"]["total_count"] == 2
    assert api.state(issue) == "IGNORED"


def test_a_resolved_issue_seen_again_regresses_and_reopens_its_case(api: EtApi) -> None:
    api.project("OPS", default=True)
    issue = api.new_issue("api", "KeyError")
    key = api.create_case(issue)["data"]["attributes"]["key"]
    api.set_state(issue, "RESOLVED")
    assert api.case_status(key) == "CLOSED"

    answer = api.event("api", "KeyError", version="2.0.1")

    assert answer["meta"]["regression"] is True
    attributes = api.issue(issue)["attributes"]
    assert attributes["state"] == "OPEN"
    assert attributes["is_regression"] is True
    assert attributes["regression"]["regressed_at_version"] == "2.0.1"
    assert attributes["regression"]["resolved_at"] is not None
    assert api.case_status(key) == "OPEN"
    assert [a["attributes"]["type"] for a in api.activity(issue)][-2:] == ["REGRESSION", "STATE"]


def test_a_bad_event_names_the_member(api: EtApi) -> None:
    body = {"data": {"type": "error_event", "attributes": {"service": "api", "error": {}}}}
    answer = api.call("POST", "/api/v2/error-tracking/events", body, expect=400)
    assert answer == {"errors": ["data.attributes.error.type is required (a string)"]}
    body = {"data": {"type": "error_event", "attributes": {"service": " ", "error_type": "E"}}}
    answer = api.call("POST", "/api/v2/error-tracking/events", body, expect=400)
    assert answer == {"errors": ["data.attributes.service must not be empty"]}
    body = {"data": {"type": "error_event", "attributes": {"service": "a", "error_type": "E",
                                                           "timestamp": "yesterday"}}}  # fmt: skip
    answer = api.call("POST", "/api/v2/error-tracking/events", body, expect=400)
    assert "data.attributes.timestamp must be an RFC 3339 time" in answer["errors"][0]
    for far in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        attributes = {"service": "a", "error_type": "E", "timestamp": far}
        body = {"data": {"type": "error_event", "attributes": attributes}}
        answer = api.call("POST", "/api/v2/error-tracking/events", body, expect=400)
        assert answer == {
            "errors": [f"data.attributes.timestamp is out of range in UTC, got {far!r}"]
        }


def test_an_event_may_have_an_empty_message_and_a_lower_case_z(api: EtApi) -> None:
    issue = api.event("web-store", "Timeout", message="", timestamp="2026-11-20T08:00:00z")
    attributes = _attributes(issue)
    assert (attributes["title"], attributes["error_message"]) == ("Timeout", "")
    assert attributes["first_seen"] == 1_795_161_600_000  # 2026-11-20T08:00:00Z


# --- State, assignee, comments ----------------------------------------------------------


def test_state_takes_api_names_or_labels_and_refuses_others(api: EtApi) -> None:
    issue = api.new_issue()
    api.set_state(issue, "ACKNOWLEDGED")
    assert api.state(issue) == "ACKNOWLEDGED"
    api.set_state(issue, "for review")
    assert api.state(issue) == "OPEN"
    answer = api.set_state(issue, "FIXED", expect=400)
    assert answer["errors"][0].startswith("data.attributes.state: unknown issue state 'FIXED'")
    body = {
        "data": {
            "id": "another",
            "type": "error_tracking_issue",
            "attributes": {"state": "RESOLVED"},
        }
    }
    answer = api.call("PUT", f"{ISSUES}/{issue}/state", body, expect=409)
    assert "the path names issue" in answer["errors"][0]


def test_assignee_syncs_between_an_issue_its_case_and_the_other_issues(api: EtApi) -> None:
    api.project("OPS", default=True)
    ann, bob = api.user("ann"), api.user("bob")
    first, second = api.new_issue(), api.new_issue()
    key = api.create_case(first)["data"]["attributes"]["key"]
    api.link(second, key)

    api.assign_issue(first, ann)
    assert api.case(key)["relationships"]["assignee"]["data"]["id"] == ann
    assert api.issue(second)["relationships"]["assignee"]["data"]["id"] == ann

    api.assign_case(key, bob)
    for issue in (first, second):
        assert api.issue(issue)["relationships"]["assignee"]["data"]["id"] == bob

    api.call("DELETE", f"{ISSUES}/{second}/assignee", expect=204)
    assert api.case(key)["relationships"]["assignee"]["data"] is None
    assert api.issue(first)["relationships"]["assignee"]["data"] is None
    kinds = [cell["attributes"]["type"] for cell in api.timeline(key)]
    assert kinds.count("ASSIGNEE") == 3
    assert kinds.count("ISSUE_ASSIGNEE") >= 2


def test_comments_go_both_ways_without_echo(api: EtApi) -> None:
    api.project("OPS", default=True)
    issue = api.new_issue()
    key = api.create_case(issue)["data"]["attributes"]["key"]

    api.comment_issue(issue, "seen in prod only")
    api.comment_case(key, "rolling back")

    comments = [
        cell["attributes"]["cell_content"]["message"]
        for cell in api.timeline(key)
        if cell["attributes"]["type"] == "COMMENT"
    ]
    assert comments == ["seen in prod only", "rolling back"]
    on_issue = [
        a["attributes"]["message"]
        for a in api.activity(issue)
        if a["attributes"]["type"] == "COMMENT"
    ]
    assert on_issue == ["seen in prod only", "rolling back"]


# --- Cases ------------------------------------------------------------------------------


def test_create_case_project_rule_then_named_then_default(api: EtApi) -> None:
    web = api.project("WEB")
    api.project("NAMED")
    issue = api.new_issue("checkout", "KeyError")
    answer = api.create_case(issue, expect=409)
    assert "no automation rule matches this issue, no project was named" in answer["errors"][0]

    api.project("OPS", default=True)
    assert api.create_case(issue)["data"]["attributes"]["key"] == "OPS-1"
    assert api.create_case(issue, "named")["data"]["attributes"]["key"] == "NAMED-1"
    rule = {
        "data": {
            "type": "error_tracking_rule",
            "attributes": {"query": "service:checkout"},
            "relationships": {"project": {"data": {"id": web, "type": "project"}}},
        }
    }
    api.call("POST", "/api/v2/error-tracking/rules", rule, expect=201)
    created = api.create_case(issue, "NAMED")
    assert created["data"]["attributes"]["key"] == "WEB-1"
    assert created["data"]["attributes"]["type"] == "ERROR_TRACKING"
    assert created["data"]["attributes"]["attributes"]["service"] == ["checkout"]
    # Each new case took the issue along: it is linked only to the last one.
    assert api.issue(issue)["relationships"]["case"]["data"]["id"] == created["data"]["id"]
    assert api.case_issues("OPS-1") == []


def test_linking_elsewhere_moves_the_issue_and_both_timelines_say_so(api: EtApi) -> None:
    api.project("OPS", default=True)
    first, second = api.new_issue(), api.new_issue()
    one = api.create_case(first)["data"]["attributes"]["key"]
    two = api.create_case(second)["data"]["attributes"]["key"]

    moved = api.link(first, two)

    assert {i["id"] for i in moved["included"]} == {first, second}
    assert [i["id"] for i in api.case_issues(one)] == []
    old = [c["attributes"]["cell_content"]["message"] for c in api.timeline(one)]
    new = [c["attributes"]["cell_content"]["message"] for c in api.timeline(two)]
    assert old[-1].endswith(f"unlinked (moved to {two})")
    assert new[-1].endswith(f"linked (moved from {one})")
    # Linking again to the same case changes nothing.
    assert len(api.timeline(two)) == len(api.link(first, two) and api.timeline(two))
    api.call("DELETE", f"{ISSUES}/{first}/case")
    assert api.issue(first)["relationships"]["case"]["data"] is None


def test_get_issue_includes_case_and_assignee_on_request(api: EtApi) -> None:
    api.project("OPS", default=True)
    ann = api.user("ann")
    issue = api.new_issue()
    api.create_case(issue)
    api.assign_issue(issue, ann)
    answer = api.call("GET", f"{ISSUES}/{issue}?include=case,assignee")
    assert sorted(item["type"] for item in answer["included"]) == ["case", "users"]
    assert "included" not in api.call("GET", f"{ISSUES}/{issue}?include=team_owners")
    answer = api.call("GET", f"{ISSUES}/{issue}?include=owners", expect=400)
    assert "include: unknown" in answer["errors"][0]
    assert api.call("GET", f"{ISSUES}/00000000-0000-0000-0000-000000000000", expect=404)
    assert api.call("GET", f"{ISSUES}/not-an-id", expect=404)


def test_a_change_that_would_close_a_security_case_without_a_reason_is_a_conflict(
    api: EtApi,
) -> None:
    api.project("OPS", default=True)
    issue = api.new_issue()
    attributes = {"title": "Token leak", "type": "SECURITY"}
    project = {"project": {"data": {"id": "OPS", "type": "project"}}}
    body = {"data": {"type": "case", "attributes": attributes, "relationships": project}}
    key = api.call("POST", "/api/v2/cases", body, expect=201)["data"]["attributes"]["key"]
    api.link(issue, key)
    answer = api.set_state(issue, "RESOLVED", expect=409)
    assert answer["errors"][0].endswith(
        "set the case's closing reason first with POST /api/v2/cases/{case_id}/resolved_reason"
    )
    assert api.state(issue) == "OPEN"  # nothing of the refused change stays
    reason = {
        "data": {"type": "case", "attributes": {"security_resolved_reason": "FALSE_POSITIVE"}}
    }
    api.call("POST", f"/api/v2/cases/{key}/resolved_reason", reason)
    api.set_state(issue, "RESOLVED")
    assert api.call("GET", f"/api/v2/cases/{key}")["data"]["attributes"]["status"] == "CLOSED"


def test_another_method_on_a_path_is_a_405_listing_the_allowed_ones(api: EtApi) -> None:
    issue = api.new_issue()
    for method, path, allow in (
        ("PATCH", f"{ISSUES}/{issue}/assignee", "PUT, DELETE"),
        ("GET", f"{ISSUES}/search", "POST"),
        ("PUT", "/api/v2/error-tracking/rules/reorder", "POST"),
    ):
        response = api.client.request(method, path, headers=api.headers)
        assert (response.status_code, response.headers["allow"]) == (405, allow)
        assert response.json() == {"errors": [f"{method} is not allowed on {path}; use {allow}"]}


def test_unknown_query_parameters_are_refused(api: EtApi) -> None:
    issue = api.new_issue()
    answer = api.call("GET", f"{ISSUES}/{issue}?includes=case", expect=400)
    assert answer == {
        "errors": ["unknown query parameter 'includes'; this endpoint takes: include"]
    }
    answer = api.call("GET", "/api/v2/error-tracking/rules?page=2", expect=400)
    assert answer == {"errors": ["unknown query parameter 'page'; this endpoint takes: none"]}


# --- Search ------------------------------------------------------------------------------


def test_search_by_query_state_and_count(api: EtApi) -> None:
    loud = api.new_issue("web-store", "TypeError")
    api.event("web-store", "TypeError")
    api.event("web-store", "TypeError")
    quiet = api.new_issue("web-store", "KeyError", team="Shopist")
    other = api.new_issue("billing", "KeyError")
    api.set_state(other, "RESOLVED")

    def search(**attributes: Any) -> list[str]:
        body = {"data": {"type": "search_request", "attributes": attributes}}
        answer = api.call("POST", f"{ISSUES}/search", body)
        assert [r["id"] for r in answer["data"]] == [i["id"] for i in answer["included"]]
        return [r["id"] for r in answer["data"]]

    assert search(query="service:web-store") == [loud, quiet]
    assert set(search(query="team:Shopist OR state:resolved")) == {quiet, other}
    assert search(query="KeyError -service:billing") == [quiet]
    assert search(states=["RESOLVED"]) == [other]
    assert search(query='service:WEB-STORE state:"for review"') == [loud, quiet]
    assert search(query="team:shopist state:open") == [quiet]
    assert search(query="state:resolved service:web-store") == []
    assert search(query="*", order_by="FIRST_SEEN") == [other, quiet, loud]
    everything = search()
    assert search(query="") == search(query=None) == everything
    assert set(everything) == {loud, quiet, other}
    body = {"data": {"type": "search_request", "attributes": {"query": "service:(a OR"}}}
    answer = api.call("POST", f"{ISSUES}/search", body, expect=400)
    assert answer["errors"][0].startswith("data.attributes.query: expected a term at column 14")


# --- Keys and scopes ---------------------------------------------------------------------


def test_error_tracking_scopes(api: EtApi, migrated_database_url: str) -> None:
    issue = api.new_issue()
    reader = key_pair(migrated_database_url, "error_tracking_read", name="reader").headers
    cases_only = key_pair(migrated_database_url, "cases_read", "cases_write", name="c").headers
    state = {"data": {"type": "error_tracking_issue", "attributes": {"state": "RESOLVED"}}}

    assert api.call("GET", f"{ISSUES}/{issue}", headers=reader)["data"]["id"] == issue
    refused = api.call("PUT", f"{ISSUES}/{issue}/state", state, headers=reader, expect=403)
    assert "lacks the error_tracking_write scope" in refused["errors"][0]
    api.call("GET", f"{ISSUES}/{issue}", headers=cases_only, expect=403)
    missing = api.call("GET", f"{ISSUES}/{issue}", headers={}, expect=401)
    assert missing == {"errors": ["missing DD-API-KEY header"]}
    assert api.call("GET", "/api/v2/error-tracking/nothing", expect=404)["errors"]
