"""`casebot webhooks` prints what the server's banner did, and the example script
`examples/deliveries/send.sh` needs no arguments on the checkout's defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.cli.processes import clean_environment, free_port, running

ROOT = Path(__file__).resolve().parents[2]


def test_webhooks_prints_the_token_and_urls(
    migrated_database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CASEBOT_WEBHOOK_TOKEN", raising=False)
    monkeypatch.setenv("CASEBOT_PUBLIC_URL", "https://casebot.example.com/")
    db = ["--database-url", migrated_database_url]
    assert main(["webhooks", *db]) == 0
    lines = capsys.readouterr().out.splitlines()
    token = lines[0].split()[1]
    assert len(token) >= 16
    assert lines[1:] == [
        "datadog       https://casebot.example.com/webhooks/datadog",
        "alertmanager  https://casebot.example.com/webhooks/alertmanager",
        "grafana       https://casebot.example.com/webhooks/grafana",
        "generic       https://casebot.example.com/webhooks/generic",
    ]
    # The token is kept: asked again, the same one.
    assert main(["webhooks", "token", *db]) == 0
    assert capsys.readouterr().out == f"{token}\n"
    assert main(["webhooks", "url", *db]) == 0
    assert capsys.readouterr().out == "https://casebot.example.com\n"
    monkeypatch.setenv("CASEBOT_WEBHOOK_TOKEN", "a-configured-token-0123456789")
    assert main(["webhooks", "token", *db]) == 0
    assert capsys.readouterr().out == "a-configured-token-0123456789\n"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
def test_send_sh_without_arguments_reaches_the_running_server(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_environment(
        CASEBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'casebot.db'}", CASEBOT_PORT=str(port)
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "project", "add", "--name", "Storage", "--key",
         "STORAGE", "--handle", "storage"], env=env, check=True, capture_output=True,
    )  # fmt: skip
    command = [sys.executable, "-m", "bot.cli", "serve"]
    with running(command, cwd=tmp_path, env=env, base=base):
        sent = subprocess.run(
            [str(ROOT / "examples" / "deliveries" / "send.sh")],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.splitlines() == [
        '01-datadog-triggered.json -> /webhooks/datadog: {"inbox_id":1,"outcome":"processed"}',
        "02-alertmanager-firing.json -> /webhooks/alertmanager: "
        '{"inbox_id":2,"outcome":"processed"}',
        '03-datadog-recovered.json -> /webhooks/datadog: {"inbox_id":3,"outcome":"processed"}',
        "04-alertmanager-resolved.json -> /webhooks/alertmanager: "
        '{"inbox_id":4,"outcome":"processed"}',
        '05-generic-alert.json -> /webhooks/generic: {"inbox_id":5,"outcome":"processed"}',
    ]
