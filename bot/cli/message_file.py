"""Reading a monitor message for `casebot lint` and `casebot preview`."""

from __future__ import annotations

import sys
from pathlib import Path


def read_source(name: str) -> str:
    """The text of FILE, or of standard input for `-`."""
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8")
