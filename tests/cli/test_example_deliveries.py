"""The bundled example deliveries sent over HTTP, then read back as a newcomer does:
`casebot inbox list` names the cases each delivery opened, updated or closed, under a
header; `casebot cases show` labels each monitor entry with its transition and says
that a monitor made it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests import local_http
from tests.web.server import WEBHOOK_TOKEN, casebot_server

DELIVERIES = Path(__file__).resolve().parents[2] / "examples" / "deliveries"


@pytest.fixture
def sent(migrated_database_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["project", "add", "--name", "Storage", "--key", "STORAGE", "--handle",
                 "storage", "--database-url", migrated_database_url]) == 0  # fmt: skip
    with casebot_server(migrated_database_url) as url:
        for file in sorted(DELIVERIES.glob("*.json")):
            source = file.name.split("-")[1]
            response = local_http.post(
                f"{url}/webhooks/{source}",
                content=file.read_bytes(),
                headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
            )
            assert response.status_code == 202, response.text
        # The same generic delivery again: a duplicate of the first.
        again = local_http.post(
            f"{url}/webhooks/generic",
            content=(DELIVERIES / "05-generic-alert.json").read_bytes(),
            headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
        )
        assert again.json() == {"inbox_id": 6, "outcome": "duplicate"}
    capsys.readouterr()
    return migrated_database_url


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_inbox_list_names_the_cases_each_delivery_touched(
    sent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _cli(capsys, "inbox", "list", "--database-url", sent)
    rows = [line.split(None, 6) for line in out.splitlines()]
    assert out.splitlines()[0].split() == ["ID", "RECEIVED", "(UTC)", "SOURCE", "OUTCOME",
                                           "CASES", "NOTE"]  # fmt: skip
    shown = [(row[0], row[3], row[4], row[5] if len(row) > 5 else "") for row in rows[1:]]
    tails = [line.split(None, 5)[5] for line in out.splitlines()[1:]]
    assert [s[:3] for s in shown] == [
        ("#6", "generic", "duplicate"),
        ("#5", "generic", "processed"),
        ("#4", "alertmanager", "processed"),
        ("#3", "datadog", "processed"),
        ("#2", "alertmanager", "processed"),
        ("#1", "datadog", "processed"),
    ]
    assert [tail.split("  ")[0].strip() for tail in tails] == [
        "-",
        "-",
        "closed STORAGE-2, STORAGE-3",
        "closed STORAGE-1",
        "opened STORAGE-2, STORAGE-3",
        "opened STORAGE-1",
    ]
    assert tails[0].endswith("same delivery id as inbox #5")
    assert tails[1].endswith("opened nothing for @case-web (unknown_project)")
    items = json.loads(_cli(capsys, "inbox", "list", "--format", "json", "--database-url", sent))
    assert items[2]["cases"] == {"opened": [], "updated": [], "closed": ["STORAGE-2", "STORAGE-3"]}
    assert items[5]["cases"] == {"opened": ["STORAGE-1"], "updated": [], "closed": []}


def test_a_delivery_that_only_adds_to_a_case_is_listed_as_updating_it(
    sent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    warn = json.loads((DELIVERIES / "05-generic-alert.json").read_text())
    del warn["previous_state"]
    warn.update(delivery_id="warn-then-alert-1", state="Warn", timestamp="2026-11-20T17:00:00Z")
    warn["monitor"]["message"] = "{{#is_warning}}@case-storage{{/is_warning}} still @case-storage"
    alert = {**warn, "delivery_id": "warn-then-alert-2", "state": "Alert",
             "timestamp": "2026-11-20T17:05:00Z"}  # fmt: skip
    alert["monitor"] = {**warn["monitor"], "message": "worse"}
    with casebot_server(sent) as url:
        for body in (warn, alert):
            response = local_http.post(
                f"{url}/webhooks/generic",
                json=body,
                headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
            )
            assert response.status_code == 202, response.text
    out = _cli(capsys, "inbox", "list", "--limit", "2", "--database-url", sent)
    assert "processed  updated STORAGE-4" in out.splitlines()[1]
    assert "processed  opened STORAGE-4" in out.splitlines()[2]


def test_cases_show_labels_transitions_and_monitor_actors(
    sent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _cli(capsys, "cases", "show", "STORAGE-1", "--database-url", sent)
    timeline = out.splitlines()[out.splitlines().index("Timeline:") + 1 :]
    entries = [line for line in timeline if line[2:3].isdigit()]
    labels = [line[23:41].strip() for line in entries]
    assert labels == ["created", "OK → Alert", "Alert → OK", "auto_close"]
    assert all(line[42:].startswith('monitor "Disk almost full": ') for line in entries)
    document = json.loads(
        _cli(capsys, "cases", "show", "STORAGE-1", "--format", "json", "--database-url", sent)
    )
    assert [entry["transition"] for entry in document["timeline"]] == [
        None, "OK → Alert", "Alert → OK", None,
    ]  # fmt: skip
