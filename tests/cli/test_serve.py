"""`casebot serve` as a newcomer runs it: a subprocess on the embedded SQLite default."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.cli import main

SHARED = Path(__file__).resolve().parents[1] / "senders"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.05)
        body = (SHARED / "alertmanager-v4-firing.json").read_bytes()
        response = httpx.post(
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
