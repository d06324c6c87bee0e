"""`make run` as the README has a newcomer type it: the example project is added once
(and says so), and `HOST=` / `PORT=` choose where casebot listens."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests import local_http
from tests.cli.processes import clean_environment, free_port, running

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)

pytestmark = [
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
    pytest.mark.slow,
]


def _make_run(port: int, **variables: str) -> list[str]:
    # VENV: this interpreter's environment; -o: never reinstall it from here.
    assignments = [f"{name}={value}" for name, value in variables.items()]
    stamp = VENV / ".installed"
    return ["make", "--no-print-directory", "-o", str(stamp), "run", f"VENV={VENV}",
            f"PORT={port}", *assignments]  # fmt: skip


def test_make_run_listens_on_port_and_host_and_shows_the_example_project(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path / 'casebot.db'}"
    # A HOST the shell exports (zsh and some containers do) is not an address to use.
    env = clean_environment(CASEBOT_DATABASE_URL=database, HOST="not-an-address")
    for attempt in ("first", "second"):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # The first run names the host; the second leaves it to casebot's default.
        command = _make_run(port, HOST="127.0.0.1") if attempt == "first" else _make_run(port)
        with running(command, cwd=ROOT, env=env, base=base) as server:
            banner = "".join(server.banner)
            assert f"listening on 127.0.0.1:{port}" in banner
            assert f"{base}/webhooks/datadog" in banner
            assert "Mention @case-storage in a monitor message" in banner
            if attempt == "first":
                assert "Created project STORAGE (Storage)." in banner
            else:
                assert "Project STORAGE (Storage) exists: nothing to add." in banner
            assert local_http.get(f"{base}/metrics").status_code == 200
