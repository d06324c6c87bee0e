"""`casebot serve` (or `make run`) as a subprocess: start it, read its banner, stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests import local_http


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any CASEBOT_ or SLACK_ setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEBOT_", "SLACK_"))}
    env.update(extra)
    return env


@dataclass
class Running:
    process: subprocess.Popen[str]
    banner: list[str]
    base: str
    log: list[str] = field(default_factory=list)

    def read_until_quiet(self, needle: str, timeout: float = 10) -> list[str]:
        """Lines of output up to and including the first that contains `needle`."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.log.append(line)
            if needle in line:
                return self.log
        raise AssertionError(f"no line with {needle!r} in:\n{''.join(self.log)}")


@contextmanager
def running(
    command: Sequence[str], *, cwd: Path, env: Mapping[str, str], base: str, timeout: float = 60
) -> Iterator[Running]:
    """Start `command`, read its output up to the banner's last line, wait
    until `base`/healthz answers 200; stop it (SIGINT, then SIGKILL) afterwards. Output
    is merged: standard error follows standard output."""
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        banner: list[str] = []
        assert process.stdout is not None
        while not any(line.startswith(("casebot: send", "casebot: try")) for line in banner):
            line = process.stdout.readline()
            assert line, "the server stopped:\n" + "".join(banner)
            banner.append(line)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if local_http.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.05)
        yield Running(process, banner, base)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
