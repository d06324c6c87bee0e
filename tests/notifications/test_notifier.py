"""The notifier: which recipients a case change reaches, once each, coalesced per burst.

Runs on the real database (SQLite, and PostgreSQL when configured): rules, watchers
and destinations are stored through the services, changes go through `CaseService`
with the notifier as its listener, and the outbox rows are what is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from bot.core.cases import Actor, ActorSource, Case, Project, User
from bot.services import notification_outbox as outbox
from bot.services.cases import CaseService
from bot.services.destinations import Destinations
from bot.services.notification_rules import NotificationRules, Watchers
from bot.services.notifier import Notifier
from tests.builders import NOW, make_project, make_user

BURST = timedelta(seconds=60)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        yield connection


def service(conn: Connection, *, at: timedelta = timedelta(0)) -> CaseService:
    return CaseService(conn, now=NOW + at, listeners=[Notifier(burst=BURST)])


def person(user: User) -> Actor:
    return Actor(ActorSource.WEB, user.id, user.name)


def rule(
    conn: Connection, project: Project, query: str, *recipients: dict[str, Any], **kw: Any
) -> None:
    triggers = kw.get("triggers", [{"type": "CASE_CREATED"}])
    NotificationRules(conn, now=NOW).create(
        str(project.id), query=query, triggers=triggers, recipients=list(recipients)
    )


def destinations(conn: Connection) -> None:
    added = Destinations(conn, now=NOW)
    added.add("ops-hook", "webhook", {"url": "http://127.0.0.1:9/hook"})
    added.add("ops-teams", "teams", {"url": "http://127.0.0.1:9/teams"})
    added.add("ops-pager", "pagerduty", {"routing_key": "R0123456789"})


def sent(conn: Connection) -> dict[str, list[Any]]:
    """Each recipient's messages, oldest first: the changes' kinds (and the pager action)."""
    found: dict[str, list[Any]] = {}
    for message in reversed(outbox.messages(conn, limit=500)):
        kinds = [c["kind"] for c in message.payload["changes"]]
        action = message.payload.get("action")
        found.setdefault(message.route.recipient, []).append((action, kinds) if action else kinds)
    return found


HOOK = {"type": "HTTP", "data": {"name": "ops-hook"}}
TEAMS = {"type": "MS_TEAMS_CHANNEL", "data": {"channel_name": "ops-teams"}}
PAGER = {"type": "PAGERDUTY_SERVICE", "data": {"service_name": "ops-pager"}}


def mail(address: str) -> dict[str, Any]:
    return {"type": "EMAIL", "data": {"email": address}}


def test_a_p1_case_reaches_each_recipient_of_the_matching_rule_once(conn: Connection) -> None:
    project = make_project(conn)
    destinations(conn)
    rule(conn, project, "priority:P1", HOOK, TEAMS, mail("oncall@example.com"))
    rule(conn, project, "priority:(P1 OR P2)", mail("ONCALL@example.com"))
    service(conn).create_case(
        project=project, title="DB down", priority="P1", actor=Actor.monitor()
    )
    service(conn).create_case(
        project=project, title="Slow page", priority="P3", actor=Actor.monitor()
    )
    found = sent(conn)
    assert sorted(found) == sorted(
        ["email:oncall@example.com", *_destination_keys(conn, "ops-hook", "ops-teams")]
    )
    assert all(messages == [["created"]] for messages in found.values())


def _destination_keys(conn: Connection, *names: str) -> list[str]:
    return [f"destination:{Destinations(conn, now=NOW).get(name).id}" for name in names]


def test_changes_within_a_burst_make_one_message_per_recipient(conn: Connection) -> None:
    project = make_project(conn)
    ana = make_user(conn, name="Ana Lopez", email="ana@example.com")
    case = service(conn).create_case(project=project, title="Disk full", actor=Actor.monitor())
    Watchers(conn, now=NOW).watch(case.key, ana.id)
    service(conn, at=timedelta(seconds=5)).set_priority(case.key, "P2", actor=Actor.monitor())
    service(conn, at=timedelta(seconds=9)).comment(case.key, "still full", actor=Actor.monitor())
    assert sent(conn) == {"email:ana@example.com": [["priority", "comment"]]}
    # Once its message is claimed, the next change starts a new one.
    # Its burst began with its first change, 5 s in.
    assert outbox.due(conn, now=NOW + BURST) == []
    later = NOW + BURST + timedelta(seconds=5)
    (due,) = outbox.due(conn, now=later)
    assert outbox.claim(conn, due, holder="t", now=later, lease=timedelta(seconds=60))
    service(conn, at=timedelta(seconds=70)).set_status(
        case.key, "IN_PROGRESS", actor=Actor.monitor()
    )
    assert sent(conn) == {"email:ana@example.com": [["priority", "comment"], ["status"]]}


def test_a_person_reached_by_two_routes_is_told_once_and_never_of_their_own_change(
    conn: Connection,
) -> None:
    project = make_project(conn)
    ana = make_user(conn, name="Ana Lopez", email="ana@example.com")
    bob = make_user(conn, name="Bob Stone", email="bob@example.com")
    rule(conn, project, "", mail("ana@example.com"), triggers=[{"type": "COMMENT_ADDED"}])
    case = service(conn).create_case(
        project=project, title="Disk full", actor=Actor.monitor(), assignee_id=ana.id
    )
    for user in (ana, bob):
        Watchers(conn, now=NOW).watch(case.key, user.id)
    before = sent(conn)
    service(conn, at=timedelta(seconds=1)).comment(case.key, "looking", actor=person(ana))
    after = sent(conn)
    assert after.get("email:ana@example.com") == before.get("email:ana@example.com")
    assert after["email:bob@example.com"] == [["comment"]]
    service(conn, at=timedelta(seconds=2)).comment(case.key, "thanks", actor=person(bob))
    assert sent(conn)["email:ana@example.com"][-1][-1] == "comment"
    assert sent(conn)["email:ana@example.com"][-1].count("comment") == 1


def test_an_at_mention_makes_the_person_a_watcher_and_tells_them(conn: Connection) -> None:
    project = make_project(conn)
    ana = make_user(conn, name="Ana Lopez", email="ana@example.com")
    bob = make_user(conn, name="Bob Stone", email="bob.stone@example.com")
    case = service(conn).create_case(project=project, title="Disk full", actor=Actor.monitor())
    service(conn).comment(case.key, "@analopez and @bob.stone: please look.", actor=Actor.monitor())
    watchers = {user.id for user in Watchers(conn, now=NOW).list(case.key)}
    assert watchers == {ana.id, bob.id}
    assert sent(conn) == {
        "email:ana@example.com": [["comment"]],
        "email:bob.stone@example.com": [["comment"]],
    }


def test_pagerduty_gets_trigger_acknowledge_resolve_in_order(conn: Connection) -> None:
    project = make_project(conn)
    destinations(conn)
    rule(
        conn,
        project,
        "priority:P1",
        PAGER,
        triggers=[{"type": "CASE_CREATED"}, {"type": "STATUS_TRANSITIONED"}],
    )
    case = service(conn).create_case(
        project=project, title="DB down", priority="P1", actor=Actor.monitor()
    )
    service(conn, at=timedelta(seconds=1)).set_status(
        case.key, "IN_PROGRESS", actor=Actor.monitor()
    )
    service(conn, at=timedelta(seconds=2)).set_status(case.key, "CLOSED", actor=Actor.monitor())
    (pager,) = _destination_keys(conn, "ops-pager")
    assert sent(conn) == {
        pager: [("trigger", ["created"]), ("acknowledge", ["status"]), ("resolve", ["status"])]
    }
    # Paging waits for no burst; and only the oldest is due (they leave in order).
    assert len(outbox.due(conn, now=NOW + timedelta(seconds=3))) == 1


@pytest.mark.parametrize(
    ("trigger", "told"),
    [
        pytest.param(
            {"type": "STATUS_TRANSITIONED", "data": {"to_status": "CLOSED"}},
            ["status"],
            id="to-closed-only",
        ),
        pytest.param(
            {"type": "STATUS_TRANSITIONED", "data": {"from_status_name": "In Progress"}},
            ["status"],
            id="from-in-progress",
        ),
        pytest.param(
            {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "priority"}},
            [],
            id="field-not-changed",
        ),
        pytest.param({"type": "CASE_CREATED"}, ["created"], id="created"),
    ],
)
def test_triggers_fire_on_the_changes_they_name(
    conn: Connection, trigger: dict[str, Any], told: list[str]
) -> None:
    project = make_project(conn)
    rule(conn, project, "", mail("ops@example.com"), triggers=[trigger])
    case = service(conn).create_case(project=project, title="x", actor=Actor.monitor())
    claimed = outbox.due(conn, now=NOW + BURST)
    for message_id in claimed:  # each change in a message of its own
        outbox.claim(conn, message_id, holder="t", now=NOW + BURST, lease=timedelta(seconds=9))
    service(conn, at=BURST).set_status(case.key, "IN_PROGRESS", actor=Actor.monitor())
    for message_id in outbox.due(conn, now=NOW + 2 * BURST):
        outbox.claim(conn, message_id, holder="t", now=NOW + 2 * BURST, lease=timedelta(seconds=9))
    service(conn, at=2 * BURST).set_status(case.key, "CLOSED", actor=Actor.monitor())
    kinds = [k for messages in sent(conn).values() for m in messages for k in m]
    assert kinds == told


def test_the_projects_settings_can_keep_people_from_comments(conn: Connection) -> None:
    project = make_project(conn)
    ana = make_user(conn, name="Ana Lopez", email="ana@example.com")
    case: Case = service(conn).create_case(project=project, title="x", actor=Actor.monitor())
    Watchers(conn, now=NOW).watch(case.key, ana.id)
    NotificationRules(conn, now=NOW).set_people_settings(
        str(project.id), {"notify_on_case_comment": False}
    )
    service(conn).comment(case.key, "noise", actor=Actor.monitor())
    assert sent(conn) == {}
    service(conn).comment(case.key, "@analopez look", actor=Actor.monitor())
    assert sent(conn) == {"email:ana@example.com": [["comment"]]}
