"""Dependencies point one way: adapters -> services/pipeline -> db -> core -> handles.

- `handles/` is the standard library only; `bot/core/` imports no framework, no
  other part of casebot and reads no clock.
- `bot/db/` holds every SQL statement: outside it, code takes sqlalchemy's
  `Engine` and `Connection` types and its exceptions, never a statement builder.
- The adapters (`bot/slack`, `bot/web`, `bot/cli`) reach the database only through
  the services: of `bot/db` they may open an engine and migrate, nothing more.
"""

from __future__ import annotations

import ast
import sys
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

ADAPTERS = ("bot/slack", "bot/web", "bot/cli")
# What an adapter may take from bot/db: the engine and the migrations, nothing that
# knows a table.
ADAPTER_DB_MODULES = {"bot.db.engine", "bot.db.migrate"}
# What code outside bot/db may take from sqlalchemy: types to pass connections
# around, and the exceptions to translate. Statements are built in bot/db only.
SQLALCHEMY_NAMES = {"Engine", "Connection"}
SQLALCHEMY_MODULES = {"sqlalchemy.exc"}

# Files the API rewrite (bot/web/api on FastAPI with pydantic models) moves off their
# own SQL; each leaves this set when it lands. Keep it shrinking: no new entries.
PENDING_API_REWRITE: set[str] = set()


def _python_files(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """Every absolute import as (module, name): `import a.b` is ("a.b", None),
    `from a import b, c` is ("a", "b") and ("a", "c")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend((node.module, alias.name) for alias in node.names)
    return found


def _imported_roots(path: Path) -> set[str]:
    return {module.split(".")[0] for module, _ in _imports(path)}


def _imported_modules(path: Path) -> set[str]:
    """The modules a file imports, counting `from package import module` as the module."""
    modules: set[str] = set()
    for module, name in _imports(path):
        modules.add(module)
        if name is not None and (ROOT / module.replace(".", "/") / f"{name}.py").exists():
            modules.add(f"{module}.{name}")
    return modules


def _clock_reads(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    clocks = ("datetime.now(", ".utcnow(", "time.time(", "date.today(")
    return [word for word in clocks if word in source]


def _sql_builders(path: Path) -> list[str]:
    """What a file takes from sqlalchemy beyond the types and exceptions."""
    taken: list[str] = []
    for module, name in _imports(path):
        if module.split(".")[0] != "sqlalchemy" or module in SQLALCHEMY_MODULES:
            continue
        if module == "sqlalchemy" and name in SQLALCHEMY_NAMES:
            continue
        taken.append(f"{module}.{name}" if name else module)
    return taken


@pytest.mark.parametrize("path", _python_files("handles"), ids=_name)
def test_handles_is_standard_library_only(path: Path) -> None:
    third_party = {
        root
        for root in _imported_roots(path)
        if root not in sys.stdlib_module_names and root != "handles"
    }
    assert not third_party, f"{path.name} imports {sorted(third_party)}"


@pytest.mark.parametrize("path", _python_files("bot/core"), ids=_name)
def test_core_imports_no_framework_and_reads_no_clock(path: Path) -> None:
    assert not (_imported_roots(path) & FRAMEWORKS), f"{path.name} imports a framework"
    assert not _clock_reads(path), f"{path.name} reads the clock"


@pytest.mark.parametrize("path", _python_files("bot/core"), ids=_name)
def test_core_imports_only_itself_and_handles(path: Path) -> None:
    outside = {
        module
        for module in _imported_modules(path)
        if module.startswith("bot.") and not module.startswith("bot.core")
    }
    assert not outside, f"{_name(path)} imports {sorted(outside)}"


@pytest.mark.parametrize("path", _python_files("bot/db"), ids=_name)
def test_db_imports_only_core_and_handles(path: Path) -> None:
    upward = {
        module
        for module in _imported_modules(path)
        if module.startswith("bot.") and not module.startswith(("bot.db", "bot.core"))
    }
    assert not upward, f"{_name(path)} imports {sorted(upward)}"


@pytest.mark.parametrize(
    "path", [p for p in _python_files("bot") if not _name(p).startswith("bot/db/")], ids=_name
)
def test_sql_is_written_in_bot_db_only(path: Path) -> None:
    if _name(path) in PENDING_API_REWRITE:
        pytest.skip("pending the API rewrite")
    builders = _sql_builders(path)
    assert not builders, f"{_name(path)} builds SQL outside bot/db: {builders}"


@pytest.mark.parametrize("path", _python_files(*ADAPTERS), ids=_name)
def test_adapters_reach_the_database_through_services(path: Path) -> None:
    if _name(path) in PENDING_API_REWRITE:
        pytest.skip("pending the API rewrite")
    tables = {
        module
        for module in _imported_modules(path)
        if (module == "bot.db" or module.startswith("bot.db."))
        and module not in ADAPTER_DB_MODULES
        and not any(module == m.rsplit(".", 1)[0] for m in ADAPTER_DB_MODULES)
    }
    assert not tables, f"{_name(path)} imports {sorted(tables)}: call a service instead"


@pytest.mark.parametrize(
    "path", _python_files("bot/services", "bot/pipeline", "bot/errortracking"), ids=_name
)
def test_services_and_pipeline_import_no_adapter(path: Path) -> None:
    adapters = {
        module
        for module in _imported_modules(path)
        if module.startswith(tuple(a.replace("/", ".") for a in ADAPTERS))
    }
    assert not adapters, f"{_name(path)} imports {sorted(adapters)}"


def test_pending_api_rewrite_names_files_that_exist() -> None:
    assert all((ROOT / name).is_file() for name in PENDING_API_REWRITE)


@pytest.mark.parametrize("path", _python_files("bot/services", "bot/errortracking"), ids=_name)
def test_services_sit_below_the_pipeline(path: Path) -> None:
    # The pipeline opens cases through the services: a service that ran the pipeline
    # would make the two depend on each other.
    upward = {
        m for m in _imported_modules(path) if m == "bot.pipeline" or m.startswith("bot.pipeline.")
    }
    assert not upward, f"{_name(path)} imports {sorted(upward)}: that belongs in bot/pipeline"
