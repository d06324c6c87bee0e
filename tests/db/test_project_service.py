"""Projects: validation, uniqueness, settings, deletion."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, func, select

from bot.db.cases import case_timeline, cases
from bot.services.cases import CaseService, InvalidProjectChange, ProjectNotFound
from bot.services.projects import ProjectService
from tests.builders import API, NOW, make_case, make_project


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        yield connection


BAD_PROJECTS = {
    "lowercase key": ({"key": "ops"}, "key", "did you mean 'OPS'"),
    "key too long": ({"key": "ABCDEFGHIJK"}, "key", "1-10 characters"),
    "key with a dash": ({"key": "OP-S"}, "key", "A-Z and 0-9"),
    "reserved key": ({"key": "CASE"}, "key", "reserved"),
    "uppercase handle": ({"handle": "Ops"}, "handle", "lowercase"),
    "handle with a space": ({"handle": "my ops"}, "handle", "@case-<handle>"),
    "empty name": ({"name": " "}, "name", "empty"),
    "bad default type": ({"default_case_type": "9x"}, "type", "case type"),
}


@pytest.mark.parametrize("bad", BAD_PROJECTS.values(), ids=BAD_PROJECTS.keys())
def test_bad_projects_are_refused_naming_the_field(
    conn: Connection, bad: tuple[dict[str, str], str, str]
) -> None:
    overrides, field, words = bad
    values = {"name": "Ops", "key": "OPS", "handle": "ops", **overrides}
    with pytest.raises(InvalidProjectChange) as refused:
        ProjectService(conn, now=NOW).create(**values)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert words in refused.value.message
    assert ProjectService(conn, now=NOW).list() == []


def test_keys_and_handles_are_unique(conn: Connection) -> None:
    service = ProjectService(conn, now=NOW)
    service.create(name="Ops", key="OPS", handle="ops")
    with pytest.raises(InvalidProjectChange, match="key 'OPS' is already used") as taken:
        service.create(name="Ops 2", key="OPS", handle="ops2")
    assert taken.value.field == "key"
    with pytest.raises(InvalidProjectChange, match="handle 'ops' is already used"):
        service.create(name="Ops 3", key="OPS3", handle="ops")


def test_a_handle_is_derived_from_the_name_when_not_given(conn: Connection) -> None:
    project = ProjectService(conn, now=NOW).create(name="Storage Team!", key="STO")
    assert project.handle == "storage-team"
    assert project.monitor_enabled and project.auto_close and project.mirror_threads
    assert project.default_case_type == "STANDARD"


def test_find_by_id_key_or_handle(conn: Connection) -> None:
    service = ProjectService(conn, now=NOW)
    project = service.create(name="Ops", key="OPS", handle="ops-team")
    assert service.get(project.id) == project
    assert service.get(str(project.id)) == project
    assert service.get("ops") == project
    assert service.get("ops-team") == project
    assert service.by_handle("ops-team") == project
    assert service.by_handle("OPS-TEAM") is None
    with pytest.raises(ProjectNotFound):
        service.get("nope")


def test_update_changes_settings_but_never_the_key(conn: Connection) -> None:
    service = ProjectService(conn, now=NOW)
    project = service.create(name="Ops", key="OPS", handle="ops")
    updated = service.update(
        project,
        name="Operations",
        handle="operations",
        auto_close=False,
        monitor_enabled=False,
        slack_channel="#ops-alerts",
        key="OPS",
    )
    assert service.get(project.id) == updated
    assert (updated.name, updated.handle, updated.auto_close) == ("Operations", "operations", False)
    assert updated.slack_channel == "#ops-alerts"
    assert service.update(project, slack_channel=None).slack_channel is None
    with pytest.raises(InvalidProjectChange) as refused:
        service.update(project, key="OPS2")
    assert refused.value.field == "key"
    other = service.create(name="Other", key="OTH", handle="other")
    with pytest.raises(InvalidProjectChange, match="already used"):
        service.update(other, handle="operations")


def test_one_error_tracking_default_at_most(conn: Connection) -> None:
    service = ProjectService(conn, now=NOW)
    first = service.create(name="A", key="A", handle="a", is_error_tracking_default=True)
    second = service.create(name="B", key="B", handle="b")
    assert service.error_tracking_default() == first
    service.update(second, is_error_tracking_default=True)
    assert service.error_tracking_default() == service.get("B")
    assert not service.get("A").is_error_tracking_default


def test_deleting_a_project_deletes_its_cases_and_timelines(conn: Connection) -> None:
    project = make_project(conn, key="OPS", handle="ops")
    keep = make_project(conn, key="KEEP", handle="keep")
    case = make_case(conn, project)
    CaseService(conn, now=NOW).comment(case, "hello", actor=API)
    make_case(conn, keep)
    ProjectService(conn, now=NOW).delete("OPS")
    assert conn.scalars(select(cases.c.key)).all() == ["KEEP-1"]
    assert conn.scalar(select(func.count()).select_from(case_timeline)) == 1
