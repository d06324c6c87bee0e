"""`casebot replay` over the recorded sequences in tests/payloads/, end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine

from bot.cli import main
from tests.engine.builders import add_project

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"

# sequence -> (delivery outcomes, {case key: status})
SEQUENCES: dict[str, tuple[list[str], dict[str, str]]] = {
    "datadog-default-alert-renotify-recovery": (
        ["processed"] * 3,
        {"STO-1": "CLOSED"},
    ),
    "datadog-default-warn-alert-recovery": (["processed"] * 3, {"STO-1": "CLOSED"}),
    "datadog-default-several-groups": (
        ["processed"] * 4,
        {"WEB-1": "OPEN", "WEB-2": "CLOSED", "WEB-3": "OPEN"},
    ),
    "datadog-default-gated-handles": (["processed"] * 4, {"STO-1": "CLOSED"}),
    "datadog-rich-cycle": (
        ["processed", "duplicate", "processed", "processed", "late"],
        {"STO-1": "CLOSED"},
    ),
    "datadog-rich-warn-alert-no-data": (["processed"] * 4, {"WEB-1": "CLOSED"}),
    "alertmanager-grouped": (["processed"] * 3, {"STO-1": "CLOSED", "STO-2": "CLOSED"}),
    "alertmanager-severity": (["processed"] * 4, {"WEB-1": "CLOSED"}),
    # The first episode's resolve never came: the second firing ends its cycle.
    "alertmanager-lost-resolve": (["processed"] * 3, {"STO-1": "CLOSED", "STO-2": "CLOSED"}),
    "grafana": (["processed"] * 2, {"STO-1": "CLOSED", "STO-2": "CLOSED"}),
    "generic": (["processed"] * 3, {"WEB-1": "CLOSED"}),
    "malformed": (["rejected"] * 17, {}),
}


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["replay", "--format", "json", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    document: dict[str, Any] = json.loads(out)
    return document


@pytest.mark.parametrize("sequence", sorted(SEQUENCES))
def test_sequence(
    sequence: str,
    engine: Engine,
    migrated_database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_project(engine, "storage", "STO")
    add_project(engine, "web", "WEB")
    document = replay(capsys, "--database-url", migrated_database_url, str(PAYLOADS / sequence))
    outcomes, cases = SEQUENCES[sequence]
    assert [d["outcome"] for d in document["deliveries"]] == outcomes
    assert {c["key"]: c["status"] for c in document["cases"]} == cases


def test_timeline_of_a_cycle(capsys: pytest.CaptureFixture[str]) -> None:
    document = replay(capsys, str(PAYLOADS / "datadog-rich-cycle"))
    (case,) = document["cases"]
    assert (case["key"], case["project"], case["priority"]) == ("STORAGE-1", "storage", "P2")
    assert case["title"] == "Disk almost full on host:web-1"
    assert case["attributes"]["team"] == ["storage"]
    kinds = [(e["kind"], e["created_at"]) for e in case["timeline"]]
    assert kinds == [
        ("created", "2026-11-21T03:05:11Z"),
        ("monitor_transition", "2026-11-21T03:05:11Z"),
        ("monitor_transition", "2026-11-21T03:25:11Z"),
        ("monitor_transition", "2026-11-21T03:40:11Z"),
        ("auto_close", "2026-11-21T03:40:11Z"),
    ]
    transition = case["timeline"][2]["data"]
    assert (transition["previous"], transition["current"], transition["renotify"]) == (
        "Alert",
        "Alert",
        True,
    )


@freeze_time("2031-01-01T00:00:00Z")
def test_each_delivery_runs_at_its_recorded_time_not_the_clock(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = replay(capsys, str(PAYLOADS / "generic"))
    times = [e["created_at"] for e in document["cases"][0]["timeline"]]
    assert times[0] == "2026-11-20T16:00:01Z"
    assert all(t.startswith("2026-11-20") for t in times)


def test_unknown_project_in_a_given_database_opens_nothing(
    migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    document = replay(capsys, "--database-url", migrated_database_url, str(PAYLOADS / "generic"))
    assert document["cases"] == []
    first = document["deliveries"][0]
    assert first["events"][0]["skipped"] == [{"handle": "web", "reason": "unknown_project"}]
    assert "@case-web (unknown_project)" in first["reason"]


def test_bare_bodies_with_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared = Path(__file__).resolve().parents[1] / "senders"
    for name in ("datadog-default-triggered.json", "datadog-default-recovered.json"):
        (tmp_path / name).write_bytes((shared / name).read_bytes())
    document = replay(capsys, "--source", "datadog", str(tmp_path))
    # File-name order: recovered before triggered; the recovery of an unseen group does nothing.
    assert [d["received_at"] for d in document["deliveries"]] == [
        "2026-11-20T09:41:50Z",
        "2026-11-20T09:12:50Z",
    ]
    assert [d["outcome"] for d in document["deliveries"]] == ["processed", "late"]
    assert document["cases"] == []


def test_text_output_names_cases_and_outcomes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(PAYLOADS / "datadog-default-alert-renotify-recovery")]) == 0
    out = capsys.readouterr().out
    assert "01-triggered.json: processed" in out
    assert "opened STORAGE-1" in out
    assert "STORAGE-1  CLOSED" in out


def test_unreadable_recording_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.json").write_text("{")
    assert main(["replay", str(tmp_path)]) == 2
    assert "broken.json" in capsys.readouterr().err


def test_alerts_folded_into_one_group_share_its_cycle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `instance` excluded, web-2 firing after web-1 is the same group's renotification,
    not a new episode of it (their different starts say nothing of a lost resolve)."""
    import orjson

    from tests.sources.builders import am_alert, am_message

    monkeypatch.setenv("CASEBOT_ALERTMANAGER_GROUP_EXCLUDE_LABELS", "instance")
    message = {"message": "Disk full <<#is_alert>>@case-storage<</is_alert>>", "summary": "S"}
    for name, instance, starts in (
        ("01.json", "web-1", "09:12:41Z"),
        ("02.json", "web-2", "09:20:00Z"),
    ):
        alert = am_alert(
            labels={"alertname": "DiskFull", "instance": instance},
            annotations=message,
            starts_at=f"2026-11-20T{starts}",
        )
        alert["fingerprint"] = instance
        (tmp_path / name).write_bytes(orjson.dumps(am_message(alert)))
    document = replay(capsys, "--source", "alertmanager", str(tmp_path))
    assert [d["outcome"] for d in document["deliveries"]] == ["processed", "processed"]
    (case,) = document["cases"]
    kinds = [e["kind"] for e in case["timeline"]]
    assert (case["key"], case["status"], kinds) == (
        "STORAGE-1",
        "OPEN",
        ["created", "monitor_transition", "monitor_transition"],
    )
