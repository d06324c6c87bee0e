"""A refusal that suggests a command suggests one that works: the command in its
backticks runs as written (exit 0), and the request it was about then succeeds."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from bot.cli import main
from tests.api.server import key_pair
from tests.errortracking.client import EtApi


def _suggested(message: str) -> list[str]:
    """The command in the message's backticks, as the argv after `casebot`."""
    commands = re.findall(r"`(casebot [^`]+)`", message)
    assert len(commands) == 1, message
    argv = shlex.split(commands[0])
    assert argv[0] == "casebot"
    return argv[1:]


def _run(argv: list[str], url: str, capsys: pytest.CaptureFixture[str]) -> str:
    code = main([*argv, "--database-url", url])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_a_missing_scope_names_a_keys_create_that_runs(
    api: EtApi, migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    reader = key_pair(migrated_database_url, "cases_read", "cases_write", name="runbooks (ops)")
    headers = {"DD-API-KEY": reader.api_key, "DD-APPLICATION-KEY": reader.application_key}
    refused = api.client.post("/api/v2/error-tracking/events", headers=headers, json={})
    assert refused.status_code == 403
    [message] = refused.json()["errors"]
    argv = _suggested(message)
    assert argv[:2] == ["keys", "create"]
    code = main([*argv, "--format", "json", "--database-url", migrated_database_url])
    out, err = capsys.readouterr()
    assert code == 0, err
    created = json.loads(out)
    # The new pair keeps the scopes the old one had, adds the missing one, and gets in.
    assert created["scopes"] == ["cases_read", "cases_write", "error_tracking_write"]
    assert created["name"] == "runbooks (ops)"
    headers = {"DD-API-KEY": created["api_key"], "DD-APPLICATION-KEY": created["application_key"]}
    event = {"data": {"type": "error_event", "attributes": {"service": "web-store",
             "error": {"type": "TypeError", "message": "cart is undefined"}}}}  # fmt: skip
    accepted = api.client.post("/api/v2/error-tracking/events", headers=headers, json=event)
    assert accepted.status_code == 201, accepted.text


@pytest.mark.parametrize("projects", [0, 1], ids=["no-project-yet", "a-project-exists"])
def test_no_project_for_a_case_names_a_command_that_makes_one(
    api: EtApi, migrated_database_url: str, capsys: pytest.CaptureFixture[str], projects: int
) -> None:
    if projects:
        api.project("OPS")
    issue = api.new_issue()
    refused = api.create_case(issue, expect=409)
    [message] = refused["errors"]
    argv = _suggested(message)
    _run(argv, migrated_database_url, capsys)
    created = api.create_case(issue)
    key = created["data"]["attributes"]["key"]
    assert key.startswith("OPS-" if projects else "TRIAGE-")


def test_a_comment_that_made_no_case_names_a_command_that_lets_the_next_one(
    api: EtApi, migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    issue = api.new_issue()
    body = {"data": {"type": "comment", "attributes": {"comment": "seen it"}}}
    answer = api.call("POST", f"/api/v2/error-tracking/issues/{issue}/comment", body, expect=201)
    reason = answer["meta"]["no_case_reason"]
    _run(_suggested(reason), migrated_database_url, capsys)
    again = api.call("POST", f"/api/v2/error-tracking/issues/{issue}/comment", body, expect=201)
    assert again["meta"]["case_created"] is True
    assert again["meta"]["case_key"] == "TRIAGE-1"
