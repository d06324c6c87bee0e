"""The pure case rules, one table each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from bot.core.case_changes import AutoClose, StatusChange, plan_auto_close, plan_status_change
from bot.core.cases import (
    Case,
    CaseStatus,
    ClosingReason,
    Invalid,
    Priority,
    parse_case_type,
    parse_closing_reason,
    parse_priority,
    parse_status,
    validate_attributes,
)
from bot.core.projects import suggest_handle, validate_project_handle, validate_project_key

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def make_case(
    status: CaseStatus = CaseStatus.OPEN, type: str = "STANDARD", reason: str | None = None
) -> Case:
    return Case(
        id=uuid.uuid4(),
        project_id=uuid.uuid4(),
        number=1,
        key="OPS-1",
        title="t",
        description="",
        type=type,
        status=status,
        priority=Priority.NOT_DEFINED,
        assignee_id=None,
        attributes={},
        creation_source="API",
        created_by=None,
        closing_reason=reason,
        created_at=T0,
        modified_at=T0,
        closed_at=T0 if status == CaseStatus.CLOSED else None,
        archived_at=None,
    )


FP = ClosingReason.FALSE_POSITIVE
OPEN, WORKING, CLOSED = CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.CLOSED
SC = StatusChange
STATUS_CHANGES = {
    "open to in progress": (make_case(), WORKING, None, SC(WORKING, None, None)),
    "close sets closed_at": (make_case(), CLOSED, None, SC(CLOSED, NOW, None)),
    "close with a reason keeps it": (make_case(), CLOSED, FP, SC(CLOSED, NOW, FP)),
    "same status is no change": (make_case(), OPEN, None, None),
    "reopen clears closed_at and reason": (
        make_case(CLOSED, reason="testing"),
        OPEN,
        None,
        SC(OPEN, None, None),
    ),
    "closed to in progress": (make_case(CLOSED), WORKING, None, SC(WORKING, None, None)),
    "security close without reason": (
        make_case(type="SECURITY"),
        CLOSED,
        None,
        Invalid("closing_reason", ""),
    ),
    "security close with reason": (make_case(type="SECURITY"), CLOSED, FP, SC(CLOSED, NOW, FP)),
    "security close, reason set before": (
        make_case(type="SECURITY", reason="testing"),
        CLOSED,
        None,
        SC(CLOSED, NOW, "testing"),
    ),
    "security in progress": (make_case(type="SECURITY"), WORKING, None, SC(WORKING, None, None)),
    "new reason on a closed case": (make_case(CLOSED), CLOSED, FP, SC(CLOSED, T0, FP)),
}


@pytest.mark.parametrize("row", STATUS_CHANGES.values(), ids=STATUS_CHANGES.keys())
def test_plan_status_change(
    row: tuple[Case, CaseStatus, ClosingReason | None, StatusChange | Invalid | None],
) -> None:
    case, status, reason, expected = row
    planned = plan_status_change(case, status, closing_reason=reason, now=NOW)
    if isinstance(expected, Invalid):
        assert isinstance(planned, Invalid) and planned.field == expected.field
    else:
        assert planned == expected


AUTO_CLOSE = {
    "open standard closes": (make_case(), AutoClose.CLOSE),
    "in progress closes": (make_case(CaseStatus.IN_PROGRESS), AutoClose.CLOSE),
    "closed stays": (make_case(CaseStatus.CLOSED), AutoClose.ALREADY_CLOSED),
    "security without reason needs one": (make_case(type="SECURITY"), AutoClose.NEEDS_REASON),
    "security with a reason closes": (
        make_case(type="SECURITY", reason="testing"),
        AutoClose.CLOSE,
    ),
}


@pytest.mark.parametrize("row", AUTO_CLOSE.values(), ids=AUTO_CLOSE.keys())
def test_plan_auto_close(row: tuple[Case, AutoClose]) -> None:
    case, expected = row
    assert plan_auto_close(case) == expected


PARSED = {
    "status code": (parse_status, "IN_PROGRESS", CaseStatus.IN_PROGRESS),
    "status name": (parse_status, "In Progress", CaseStatus.IN_PROGRESS),
    "status lowercase": (parse_status, "closed", CaseStatus.CLOSED),
    "status unknown": (parse_status, "OPENED", None),
    "priority": (parse_priority, "p3", Priority.P3),
    "priority not defined": (parse_priority, "NOT_DEFINED", Priority.NOT_DEFINED),
    "priority unknown": (parse_priority, "P6", None),
    "built-in type": (parse_case_type, "security", "SECURITY"),
    "custom type": (parse_case_type, "Incident Review", "INCIDENT_REVIEW"),
    "type with punctuation": (parse_case_type, "a!", None),
    "reason as Datadog spells it": (parse_closing_reason, "FALSE_POSITIVE", FP),
    "reason in words": (
        parse_closing_reason,
        "one time exception",
        ClosingReason.ONE_TIME_EXCEPTION,
    ),
    "reason unknown": (parse_closing_reason, "TRUE_POSITIVE", None),
    "key": (validate_project_key, "OPS2", "OPS2"),
    "key of ten": (validate_project_key, "ABCDEFGHIJ", "ABCDEFGHIJ"),
    "key of eleven": (validate_project_key, "ABCDEFGHIJK", None),
    "key CASE": (validate_project_key, "CASE", None),
    "key empty": (validate_project_key, "", None),
    "handle": (validate_project_handle, "ops-team_2", "ops-team_2"),
    "handle uppercase": (validate_project_handle, "Ops", None),
    "handle trailing dash": (validate_project_handle, "ops-", None),
    "handle with dot": (validate_project_handle, "ops.team", None),
}


@pytest.mark.parametrize("row", PARSED.values(), ids=PARSED.keys())
def test_parsers(row: tuple[object, str, object]) -> None:
    parse, text, expected = row
    result = parse(text)  # type: ignore[operator]
    if expected is None:
        assert isinstance(result, Invalid) and result.message
    else:
        assert result == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"env": ["prod", "prod", "dev"]}, {"env": ("prod", "dev")}),
        ({}, {}),
        ({"env": "prod"}, None),
        ({"env": [1]}, None),
        ({"": ["x"]}, None),
        (["env"], None),
    ],
    ids=[
        "duplicates dropped",
        "empty",
        "string not list",
        "number value",
        "empty key",
        "not a map",
    ],
)
def test_validate_attributes(value: object, expected: object) -> None:
    result = validate_attributes(value)
    if expected is None:
        assert isinstance(result, Invalid) and result.field == "attributes"
    else:
        assert result == expected


@pytest.mark.parametrize(
    ("name", "handle"),
    [("Storage Team", "storage-team"), ("  Ops!!  ", "ops"), ("Équipe", "quipe"), ("!!!", "sec")],
)
def test_suggest_handle(name: str, handle: str) -> None:
    assert suggest_handle(name, fallback="SEC") == handle
    assert not isinstance(validate_project_handle(handle), Invalid)
