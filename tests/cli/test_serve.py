"""`casebot serve` as a newcomer runs it: a subprocess on the embedded SQLite default."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from tests import local_http
from tests.cli.processes import clean_environment, free_port, running

SHARED = Path(__file__).resolve().parents[1] / "senders"


def test_serve_prints_urls_and_token_and_accepts_deliveries(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEBOT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        assert process.stdout is not None
        while not any("webhook token" in line for line in lines):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/webhooks/datadog" in output
        assert f"http://127.0.0.1:{port}/webhooks/alertmanager" in output
        token = output.split("webhook token ", 1)[1].split()[0]
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if local_http.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.05)
        body = (SHARED / "alertmanager-v4-firing.json").read_bytes()
        response = local_http.post(
            f"{base}/webhooks/alertmanager?token={token}", content=body, timeout=10
        )
        assert response.status_code == 202
        assert (tmp_path / "casebot.db").exists()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)


def test_serve_refuses_a_short_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASEBOT_WEBHOOK_TOKEN", "short")
    assert main(["serve", "--database-url", "sqlite:///:memory:"]) == 2
    assert "CASEBOT_WEBHOOK_TOKEN" in capsys.readouterr().err


def test_the_banner_lists_every_entry_point_and_each_answers(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
    with running(command, cwd=tmp_path, env=clean_environment(), base=base) as server:
        banner = "".join(server.banner)
        answers = {
            f"{base}/webhooks/generic": ("POST", 401),  # no token
            f"{base}/api/v2": ("GET", None),  # listed as the prefix ...
            f"{base}/api/v2/cases": ("GET", 401),  # ... of the case API (no key pair)
            f"{base}/openapi.json": ("GET", 200),
            f"{base}/docs": ("GET", 200),
            f"{base}/": ("GET", 200),  # the console's sign-in page
            f"{base}/slack/events": ("POST", 404),  # Slack is off, and says so
            f"{base}/healthz": ("GET", 200),
            f"{base}/readyz": ("GET", 200),
            f"{base}/metrics": ("GET", 200),
        }
        for url, (method, status) in answers.items():
            if url != f"{base}/api/v2/cases":
                assert url in banner, f"{url} is not in the banner:\n{banner}"
            if status is not None:
                response = local_http.request(method, url, follow_redirects=True, timeout=10)
                assert response.status_code == status, (url, response.text[:200])
        assert "casebot keys create --name scripts --scopes cases_read,cases_write" in banner
        assert "Slack    off (SLACK_BOT_TOKEN is not set); when on, Slack calls" in banner


def test_the_server_logs_one_line_per_request_without_secrets(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    secret = "a-secret-webhook-token-0123456789"
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
    env = clean_environment(CASEBOT_WEBHOOK_TOKEN=secret)
    with running(command, cwd=tmp_path, env=env, base=base) as server:
        body = (SHARED / "alertmanager-v4-firing.json").read_bytes()
        accepted = local_http.post(f"{base}/webhooks/alertmanager?token={secret}", content=body)
        assert accepted.status_code == 202
        refused = local_http.get(
            f"{base}/api/v2/cases",
            headers={"DD-API-KEY": "k" * 32, "DD-APPLICATION-KEY": "a" * 40},
        )
        assert refused.status_code == 401
        lines = server.read_until_quiet('"path":"/api/v2/cases"')
    records = [json.loads(line) for line in lines if line.startswith("{")]
    webhook, api = (
        next(r for r in records if r["path"] == path)
        for path in ("/webhooks/alertmanager", "/api/v2/cases")
    )
    assert (webhook["method"], webhook["status"]) == ("POST", 202)
    assert (api["method"], api["status"]) == ("GET", 401)
    assert set(webhook) == {"time", "method", "path", "status", "duration_ms", "client"}
    assert isinstance(webhook["duration_ms"], float) and webhook["duration_ms"] >= 0
    assert webhook["client"] == "127.0.0.1"
    # The health checks the start-up made are there too, one line each.
    assert sum(r["path"] == "/healthz" for r in records) >= 1
    logged = "".join(lines)
    assert secret not in logged and "k" * 32 not in logged and "a" * 40 not in logged


def test_warning_log_level_turns_the_access_log_off(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with running(command, cwd=tmp_path, env=clean_environment(), base=base) as server:
        local_http.get(f"{base}/metrics")
        server.process.send_signal(signal.SIGINT)
        rest, _ = server.process.communicate(timeout=20)
    assert '"path"' not in rest


def test_serve_listens_where_casebot_host_and_port_say(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_environment(CASEBOT_HOST="127.0.0.1", CASEBOT_PORT=str(port))
    command = [sys.executable, "-m", "bot.cli", "serve"]
    with running(command, cwd=tmp_path, env=env, base=base) as server:
        banner = "".join(server.banner)
        assert f"listening on 127.0.0.1:{port}, reached at {base}" in banner
        assert f"{base}/webhooks/datadog" in banner


def test_serve_refuses_a_port_that_is_not_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASEBOT_PORT", "eighty")
    assert main(["serve", "--database-url", "sqlite:///:memory:"]) == 2
    assert "CASEBOT_PORT: expected a port number" in capsys.readouterr().err
