"""Dependencies point one way: the pure layers import no frameworks and read no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FRAMEWORKS = {
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "jinja2",
    "httpx",
    "uvicorn",
    "aiohttp",
    "psycopg",
}


def _python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _clock_reads(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    clocks = ("datetime.now(", ".utcnow(", "time.time(", "date.today(")
    return [word for word in clocks if word in source]


@pytest.mark.parametrize("path", _python_files("handles"), ids=lambda p: str(p.relative_to(ROOT)))
def test_handles_is_standard_library_only(path: Path) -> None:
    import sys

    third_party = {
        root
        for root in _imported_roots(path)
        if root not in sys.stdlib_module_names and root != "handles"
    }
    assert not third_party, f"{path.name} imports {sorted(third_party)}"


@pytest.mark.parametrize("path", _python_files("bot/core"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_imports_no_framework_and_reads_no_clock(path: Path) -> None:
    assert not (_imported_roots(path) & FRAMEWORKS), f"{path.name} imports a framework"
    assert not _clock_reads(path), f"{path.name} reads the clock"
