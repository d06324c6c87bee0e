"""`casebot slack manifest|quiet|outbox` through the CLI's entry point."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select

from bot.cli import main
from bot.db.slack_tables import slack_channels


def test_manifest_points_every_url_at_slack_events(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEBOT_PUBLIC_URL", "https://casebot.example.com/")
    assert main(["slack", "manifest"]) == 0
    document = json.loads(capsys.readouterr().out)
    url = "https://casebot.example.com/slack/events"
    settings = document["settings"]
    assert settings["event_subscriptions"]["request_url"] == url
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert document["features"]["slash_commands"][0]["command"] == "/case"
    assert document["features"]["slash_commands"][0]["url"] == url
    scopes = document["oauth_config"]["scopes"]["bot"]
    assert {"chat:write", "commands", "channels:read", "channels:history", "users:read"} <= set(
        scopes
    )
    assert settings["event_subscriptions"]["bot_events"] == ["message.channels", "message.groups"]


def test_manifest_without_a_public_url_uses_the_default_and_says_slack_cannot_reach_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One default for CASEBOT_PUBLIC_URL, the address `casebot serve` listens on; the
    # manifest is printed with it (it used to exit 2), and the warning says what to do.
    for name in ("CASEBOT_PUBLIC_URL", "CASEBOT_HOST", "CASEBOT_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert main(["slack", "manifest"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    url = "http://127.0.0.1:8080/slack/events"
    assert document["settings"]["event_subscriptions"]["request_url"] == url
    assert "Slack cannot reach" in captured.err and "CASEBOT_PUBLIC_URL" in captured.err
    assert "--socket-mode" in captured.err
    monkeypatch.setenv("CASEBOT_PORT", "9090")
    assert main(["slack", "manifest"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["settings"]["interactivity"]["request_url"] == (
        "http://127.0.0.1:9090/slack/events"
    )
    assert main(["slack", "manifest", "--socket-mode"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in document["settings"]["interactivity"]


def test_quiet_and_outbox(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slack", "quiet", "#Ops-Alerts", "--database-url", database_url]) == 0
    assert "#ops-alerts: thread replies for state changes are off" in capsys.readouterr().out
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(select(slack_channels.c.channel_ref, slack_channels.c.quiet)).all() == [
            ("ops-alerts", True)
        ]
    engine.dispose()
    assert main(["slack", "outbox", "--database-url", database_url, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {}


def test_mirror_toggles_the_project_setting(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.db.projects import projects

    assert (
        main(
            [
                "project",
                "add",
                "--name",
                "Web",
                "--key",
                "WEB",
                "--handle",
                "web",
                "--database-url",
                database_url,
            ]
        )
        == 0
    )
    assert main(["slack", "mirror", "web", "--off", "--database-url", database_url]) == 0
    assert "WEB: thread replies are copied to its cases: off" in capsys.readouterr().out
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(select(projects.c.mirror_threads)).scalar_one() is False
    engine.dispose()
    assert main(["slack", "mirror", "nope", "--database-url", database_url]) == 1
    assert "nope" in capsys.readouterr().err
