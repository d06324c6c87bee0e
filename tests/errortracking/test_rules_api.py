"""Automation rules through the HTTP API: CRUD, order, first match, auto-create, errors."""

from __future__ import annotations

from typing import Any

from tests.errortracking.client import EtApi

RULES = "/api/v2/error-tracking/rules"


def _rule(query: str, project: str, **attributes: Any) -> dict[str, Any]:
    return {
        "data": {
            "type": "error_tracking_rule",
            "attributes": {"query": query, **attributes},
            "relationships": {"project": {"data": {"id": project, "type": "project"}}},
        }
    }


def _add(api: EtApi, query: str, project: str, **attributes: Any) -> str:
    answer = api.call("POST", RULES, _rule(query, project, **attributes), expect=201)
    return str(answer["data"]["id"])


def _queries(api: EtApi) -> list[tuple[int, str]]:
    return [
        (r["attributes"]["position"], r["attributes"]["query"])
        for r in api.call("GET", RULES)["data"]
    ]


def test_rules_are_added_changed_reordered_and_removed(api: EtApi) -> None:
    web = api.project("WEB")
    a = _add(api, "service:a", web)
    b = _add(api, "service:b", web, auto_create=True)
    c = _add(api, "service:c", "web", position=0)
    assert _queries(api) == [(0, "service:c"), (1, "service:a"), (2, "service:b")]

    changed = api.call("PUT", f"{RULES}/{a}", _rule("service:a2", "WEB", auto_create=True))
    assert changed["data"]["attributes"] == {
        "query": "service:a2",
        "auto_create": True,
        "position": 1,
    }
    assert api.call("GET", f"{RULES}/{b}")["data"]["attributes"]["auto_create"] is True

    order = {"data": [{"id": rule, "type": "error_tracking_rule"} for rule in (b, a, c)]}
    answer = api.call("POST", f"{RULES}/reorder", order)
    assert [r["id"] for r in answer["data"]] == [b, a, c]

    api.call("DELETE", f"{RULES}/{a}", expect=204)
    assert _queries(api) == [(0, "service:b"), (1, "service:c")]
    api.call("DELETE", f"{RULES}/{a}", expect=404)


def test_bad_rules_are_refused_with_what_is_wrong(api: EtApi) -> None:
    web = api.project("WEB")
    answer = api.call("POST", RULES, _rule("service:(web OR", web), expect=400)
    assert answer["errors"] == [
        "query: cannot read 'service:(web OR': expected a term at column 16: 'OR' needs "
        "something to apply to, found the end of the query"
    ]
    answer = api.call("POST", RULES, _rule("service:web", "NOPE"), expect=404)
    assert answer == {"errors": ["project NOPE not found"]}
    no_project = {"data": {"type": "error_tracking_rule", "attributes": {"query": "a"}}}
    answer = api.call("POST", RULES, no_project, expect=400)
    assert answer["errors"][0].startswith("data.relationships.project is required")
    one = _add(api, "service:a", web)
    _add(api, "service:b", web)
    partial = {"data": [{"id": one, "type": "error_tracking_rule"}]}
    answer = api.call("POST", f"{RULES}/reorder", partial, expect=409)
    assert answer["errors"][0].startswith("order: the new order must name every rule")
    twice = {"data": [{"id": one, "type": "error_tracking_rule"}] * 2}
    answer = api.call("POST", f"{RULES}/reorder", twice, expect=400)
    assert answer == {"errors": [f"data[1].id: the new order names rule {one} twice"]}


def test_the_first_matching_rule_routes_a_new_issue(api: EtApi) -> None:
    web, ops = api.project("WEB"), api.project("OPS")
    api.project("DEF", default=True)
    broad = _add(api, "service:web-store", ops)
    narrow = _add(api, "service:web-store team:Shopist", web)

    first = api.event("web-store", "E1", team="Shopist", expect=201)
    assert first["meta"]["rule_id"] == broad
    assert first["data"]["relationships"]["project"]["data"]["id"] == ops

    order = {"data": [{"id": r, "type": "error_tracking_rule"} for r in (narrow, broad)]}
    api.call("POST", f"{RULES}/reorder", order)
    second = api.event("web-store", "E2", team="Shopist", expect=201)
    assert second["meta"]["rule_id"] == narrow
    # A case made by hand goes where the first matching rule says.
    assert api.create_case(second["data"]["id"])["data"]["attributes"]["key"] == "WEB-1"
    unrouted = api.event("billing", "E3", expect=201)
    assert unrouted["meta"]["rule_id"] is None
    assert api.create_case(unrouted["data"]["id"])["data"]["attributes"]["key"] == "DEF-1"


def test_auto_create_opens_a_case_at_once_for_new_issues_only(api: EtApi) -> None:
    web = api.project("WEB")
    _add(api, "service:web-store -team:Shopist", web, auto_create=True)

    first = api.event("web-store", "TypeError", expect=201)

    key = first["meta"]["case_key"]
    assert key == "WEB-1"
    assert api.case_status(key) == "IN_PROGRESS"
    assert first["data"]["attributes"]["state"] == "ACKNOWLEDGED"
    assert first["data"]["relationships"]["case"]["data"]["id"] == api.case(key)["id"]
    assert api.event("web-store", "TypeError", expect=200)["meta"]["case_key"] is None
    excluded_by_query = api.event("web-store", "KeyError", team="Shopist", expect=201)
    assert excluded_by_query["meta"]["case_key"] is None
    assert [c["attributes"]["key"] for c in api.call("GET", "/api/v2/cases")["data"]] == ["WEB-1"]


def test_a_changed_or_removed_rule_applies_to_the_next_new_issue(api: EtApi) -> None:
    web = api.project("WEB")
    rule = _add(api, "service:a", web)
    assert api.event("a", "E1", expect=201)["meta"]["rule_id"] == rule
    api.call("PUT", f"{RULES}/{rule}", _rule("service:b", web))
    assert api.event("a", "E2", expect=201)["meta"]["rule_id"] is None
    assert api.event("b", "E3", expect=201)["meta"]["rule_id"] == rule
    api.call("DELETE", f"{RULES}/{rule}", expect=204)
    assert api.event("b", "E4", expect=201)["meta"]["rule_id"] is None
