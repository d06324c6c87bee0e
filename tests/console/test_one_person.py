"""One person, one user: Slack ids and console accounts meet on the e-mail address."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource
from bot.services.accounts import AccountService
from bot.services.cases import CaseService
from bot.services.users import UserService
from tests.builders import make_case, make_project

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _account(conn: object, email: str = "jane@example.com") -> object:
    return AccountService(conn, now=NOW).add(  # type: ignore[arg-type]
        email=email, name="Jane", role="responder", password="a long enough password"
    )


def test_an_account_first_then_slack_is_one_user(engine: Engine) -> None:
    with engine.begin() as conn:
        account = _account(conn)
        slack = UserService(conn, now=NOW).ensure(
            name="jane.doe", slack_user_id="U1", email="jane@example.com"
        )
    assert slack.id == account.user_id  # type: ignore[attr-defined]
    assert slack.slack_user_id == "U1" and slack.email == "jane@example.com"


def test_a_slack_user_recorded_before_their_address_is_merged_into_the_account(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        project = make_project(conn)
        old = UserService(conn, now=NOW).ensure(name="jane.doe", slack_user_id="U1")
        case = make_case(conn, project)
        actor = Actor(ActorSource.SLACK, old.id, "jane.doe")
        CaseService(conn, now=NOW).assign(case, old.id, actor=actor)
        account = _account(conn)
        assert account.user_id != old.id  # type: ignore[attr-defined]
        # Her next Slack action says her address: the two rows become one.
        merged = UserService(conn, now=NOW).ensure(
            name="jane.doe", slack_user_id="U1", email="jane@example.com"
        )
        assert merged.id == account.user_id  # type: ignore[attr-defined]
        service = CaseService(conn, now=NOW)
        assert service.get(case.id).assignee_id == merged.id
        actors = {entry.actor.user_id for entry in service.timeline(case.id) if entry.actor.user_id}
        assert actors == {merged.id}
        assert UserService(conn, now=NOW).find(old.id) is None
