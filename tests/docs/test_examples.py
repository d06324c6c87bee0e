"""Every example in docs/ runs as written, and prints what the page shows.

Each page runs in one fresh bash against a casebot of its own (a fresh SQLite
database, a free port): see tests/docs/examples.py for the conventions a page
follows. A block that cannot run here is reported below as a skipped test, with
the reason its page gives.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from tests.cli.processes import free_port
from tests.docs.examples import ROOT, Block, Page, Result, matches, pages, parse_page, run

# Each page runs against a server of its own: pages may run on different workers at once.
SPREAD_OVER_WORKERS = True

PARSED = [parse_page(path) for path in pages()]
RUNNABLE = [page for page in PARSED if page.runnable]
SKIPPED = [block for page in PARSED for block in page.skipped]


def environment(tmp_path: Path) -> dict[str, str]:
    """The reader's shell: no casebot settings of its own, but the test's database and
    port (what the pages' `environment` blocks name)."""
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CASEBOT_", "SLACK_", "DD_", "VIRTUAL_ENV"))
    }
    env.update(
        CASEBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'casebot.db'}",
        CASEBOT_PORT=str(port),
        CASEBOT_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    return env


def _name(page: Page) -> str:
    return str(page.path.relative_to(ROOT))


def _report(result: Result) -> str:
    step = result.step
    where = f"{step.block.where} ({step.block.language})"
    shown = step.command.text if step.block.language != "python" else "(the python block)"
    if not result.finished:
        return f"{where}: this failed, and the page stopped:\n$ {shown}\n{result.output}"
    expected = step.command.expected or ""
    diff = "\n".join(
        difflib.unified_diff(
            expected.splitlines(), result.output.splitlines(), "the page shows", "it printed",
            lineterm="",
        )
    )  # fmt: skip
    return f"{where}: the output differs from the page's\n$ {shown}\n{diff}"


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("page", RUNNABLE, ids=_name)
def test_the_examples_of_the_page_run_as_written(page: Page, tmp_path: Path) -> None:
    results = run(page, environment(tmp_path))
    steps = sum(len(block.commands()) for block in page.runnable)
    problems = [
        _report(result)
        for result in results
        if not result.finished
        or (
            result.step.command.expected is not None
            and not matches(result.step.command.expected, result.output)
        )
    ]
    if not problems and len(results) < steps:
        problems.append(f"{_name(page)}: only {len(results)} of {steps} steps ran")
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("block", SKIPPED, ids=lambda block: block.where)
def test_a_block_that_cannot_run_here_says_why(block: Block) -> None:
    pytest.skip(f"not run: {block.reason}")
