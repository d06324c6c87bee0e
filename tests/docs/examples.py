"""The examples of a docs/ page (or the README), run as written: extract, run in one
bash, compare.

A page's fenced blocks run in order in ONE fresh `bash` (so variables set by one
block are there for the next), in the checkout, with a fresh database and a free
port. What runs:

- ```` ```bash ```` (or `sh`, `shell`): the block as written. Every command must
  succeed (the page runs under `set -eo pipefail`); write `cmd || echo "exit $?"`
  where a failure is the point.
- ```` ```console ````: lines starting with `$ ` are commands (a command goes on over
  the next lines while bash would ask for more: a `\\` at the end, an open quote, a
  here-document); the lines under a command are its expected output (standard
  output and error, as a terminal shows them).
- ```` ```python ````: saved to a temporary file and run with `python3` in the same
  shell, so it sees the variables the page exported (the official client reads
  `DD_API_KEY` and `DD_APP_KEY`).

Other languages (json, yaml, text, ...) are not run. An HTML comment on the line
before a block changes what happens to it:

- `<!-- docs-test: output -->`: the block is the expected output of the block
  before it (bash or python).
- `<!-- docs-test: background -->`: a bash block that keeps running (`make run`):
  it runs in the background, its output to a log, and the page goes on once
  `$CASEBOT_PUBLIC_URL/healthz` answers. Its output so far is what an `output`
  block after it is compared with.
- `<!-- docs-test: environment -->`: a bash block of `export NAME=value` lines the
  page asks the reader to set. The test sets each NAME to its own value instead
  (`ENVIRONMENT` below: the fresh database, the free port), so it may only name those.
- `<!-- docs-test: skip: REASON -->`: not run, because running it is impossible
  here (it needs a Slack workspace, say). Each one is reported as a skipped test
  with its reason: keep them rare.

`<!-- docs-test: server -->` anywhere outside a block makes the page start casebot
as the reader was told to (`make run`, in the background) before its first block.

Expected output may use `…` for "any text" within a line, and a line of `…` alone for
any number of lines (ids, times, tokens). Everything else must match exactly, but for
trailing spaces and trailing blank lines.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

SHELL = frozenset({"bash", "sh", "shell"})
RUN = SHELL | {"console", "python"}
# What an `environment` block may name: the test's values replace the page's.
ENVIRONMENT = ("CASEBOT_DATABASE_URL", "CASEBOT_PORT", "CASEBOT_PUBLIC_URL")

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(
    r"^\s*<!--\s*docs-test:\s*(?P<what>[a-z]+)\s*(?::\s*(?P<why>.*?))?\s*-->\s*$"
)
_EXPORT = re.compile(r"^export\s+([A-Za-z_][A-Za-z0-9_]*)=")
_MARK = "\x1edocs"


@dataclass(frozen=True, slots=True)
class Command:
    text: str
    expected: str | None  # None: not checked


@dataclass(frozen=True, slots=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    directive: str | None = None  # output, background, environment, skip
    reason: str | None = None  # why a block is skipped
    expected: str | None = None  # from the `output` block that follows

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.language in RUN and self.directive not in ("skip", "output")

    def commands(self) -> list[Command]:
        """A console block's commands and the output each expects; a whole block else."""
        if self.language != "console":
            return [Command(self.code, self.expected)]
        commands: list[tuple[list[str], list[str]]] = []
        continuing = False
        for line in self.code.splitlines():
            if continuing:
                commands[-1][0].append(line)
            elif line.startswith("$ "):
                commands.append(([line[2:]], []))
            elif commands:
                commands[-1][1].append(line)
            else:
                raise ValueError(f"{self.where}: console output before any `$ ` command")
            continuing = not commands[-1][1] and not _complete("\n".join(commands[-1][0]))
        return [Command("\n".join(text), "\n".join(output)) for text, output in commands]


@dataclass
class Page:
    path: Path
    blocks: list[Block] = field(default_factory=list)
    server: bool = False  # start `make run` before the first block

    @property
    def runnable(self) -> list[Block]:
        return [block for block in self.blocks if block.runs]

    @property
    def skipped(self) -> list[Block]:
        return [block for block in self.blocks if block.directive == "skip"]


@functools.cache
def _complete(command: str) -> bool:
    """Whether bash has the whole command, or would prompt for more."""
    if command.endswith("\\"):
        return False
    checked = subprocess.run(
        ["bash", "-n"], input=command + "\n", capture_output=True, text=True, check=False
    )
    return not (
        "unexpected EOF" in checked.stderr
        or "unexpected end of file" in checked.stderr
        or "here-document" in checked.stderr
    )


def pages() -> list[Path]:
    """Every page of docs/, and the README (its tour is an example too)."""
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def parse_page(path: Path, text: str | None = None) -> Page:
    """The page's blocks, each with its directive; an `output` block is folded into the
    block before it as that block's expected output."""
    lines = (path.read_text(encoding="utf-8") if text is None else text).splitlines()
    page = Page(path)
    blocks: list[Block] = []
    directive: tuple[str, str | None] | None = None
    number = 0
    while number < len(lines):
        line = lines[number]
        found = _DIRECTIVE.match(line)
        opening = _FENCE.match(line)
        if found:
            what, why = found.group("what"), found.group("why")
            if what == "server":
                page.server = True
            elif what in ("output", "background", "environment", "skip"):
                directive = (what, why)
            else:
                raise ValueError(f"{path}:{number + 1}: unknown docs-test directive {what!r}")
            if what == "skip" and not why:
                raise ValueError(f"{path}:{number + 1}: a skipped block needs a reason")
            number += 1
            continue
        if opening is None:
            if line.strip():
                directive = None
            number += 1
            continue
        indent, fence = opening.group("indent"), opening.group("fence")
        info = opening.group("info").strip()
        language = info.split()[0].lower() if info else ""
        body: list[str] = []
        start = number + 1
        number += 1
        while number < len(lines):
            closing = lines[number].strip()
            if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
                break
            raw = lines[number]
            body.append(raw[len(indent) :] if raw.startswith(indent) else raw.lstrip())
            number += 1
        else:
            raise ValueError(f"{path}:{start}: the block is never closed")
        number += 1
        what, why = directive if directive else (None, None)
        directive = None
        block = Block(path, start, language, "\n".join(body), what, why)
        if what == "output":
            if not blocks or not blocks[-1].runs or blocks[-1].language == "console":
                raise ValueError(
                    f"{block.where}: an output block must follow a bash or python block"
                )
            previous = blocks.pop()
            blocks.append(dataclasses.replace(previous, expected=block.code))
            blocks.append(block)
            continue
        if what == "environment":
            for raw in block.code.splitlines():
                name = _EXPORT.match(raw.strip())
                if raw.strip() and (name is None or name.group(1) not in ENVIRONMENT):
                    raise ValueError(
                        f"{block.where}: an environment block may only export "
                        f"{', '.join(ENVIRONMENT)}; found {raw.strip()!r}"
                    )
        blocks.append(block)
    page.blocks = blocks
    return page


# ---- running -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One thing the page's shell runs and the runner checks: a block, or one command of
    a console block."""

    block: Block
    command: Command
    number: int


@dataclass(frozen=True, slots=True)
class Result:
    step: Step
    output: str
    finished: bool  # False: the shell stopped in this step (a command failed)


def steps(page: Page) -> list[Step]:
    found: list[Step] = []
    for block in page.runnable:
        for command in block.commands():
            found.append(Step(block, command, len(found)))
    return found


def script(page: Page, work: Path) -> str:
    """The bash script that runs the page's steps, marking where each starts and ends."""
    parts = [
        "set -eo pipefail",
        f"cd {_quote(str(ROOT))}",
        f'__docs_mark() {{ printf \'\\n{_MARK} %s %s\\n\' "$1" "$2"; }}',
        "__docs_wait() {",
        "  local i",
        "  for i in $(seq 1 900); do",
        '    curl -fs "$CASEBOT_PUBLIC_URL/healthz" >/dev/null 2>&1 && return 0',
        "    sleep 0.2",
        "  done",
        '  echo "casebot did not answer at $CASEBOT_PUBLIC_URL/healthz:"; cat "$1"; return 1',
        "}",
    ]
    if page.server:
        log = work / "server.log"
        parts.append(f"( make run ) > {_quote(str(log))} 2>&1 &")
        parts.append(f"__docs_wait {_quote(str(log))}")
    for step in steps(page):
        block, number = step.block, step.number
        parts.append(f"__docs_mark start {number}")
        if block.directive == "environment":
            names = [_EXPORT.match(t.strip()) for t in block.code.splitlines() if t.strip()]
            parts.extend(f"export {name.group(1)}" for name in names if name)
        elif block.directive == "background":
            log = work / f"background-{number}.log"
            parts.append(f"( {block.code}\n) > {_quote(str(log))} 2>&1 &")
            parts.append(f"__docs_wait {_quote(str(log))}")
            parts.append(f"cat {_quote(str(log))}")
        elif block.language == "python":
            program = work / f"block-{number}.py"
            program.write_text(block.code + "\n", encoding="utf-8")
            parts.append(f"python3 {_quote(str(program))}")
        else:
            parts.append(step.command.text)
        parts.append(f"__docs_mark end {number}")
    return "\n".join(parts) + "\n"


def run(page: Page, environment: Mapping[str, str], *, timeout: float = 600) -> list[Result]:
    """Run the page's steps in one fresh bash; every process it started is stopped after."""
    with tempfile.TemporaryDirectory(prefix="casebot-docs-") as work:
        text = script(page, Path(work))
        process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-c", text],
            cwd=ROOT,
            env=dict(environment),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process.pid)
            output, _ = process.communicate()
            output += f"\n(the page did not finish within {timeout:.0f} s)"
        finally:
            _stop(process.pid)
    return list(_results(steps(page), output))


def _stop(group: int) -> None:
    """Stop what the page left running (`make run` in the background): politely, then not."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        for _ in range(50):
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def _results(found: list[Step], output: str) -> Iterator[Result]:
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    for match in re.finditer(rf"\n?{_MARK} (start|end) (\d+)\n", output):
        (starts if match.group(1) == "start" else ends)[int(match.group(2))] = match.start()
    pattern = re.compile(rf"\n?{_MARK} (?:start|end) \d+\n")
    for step in found:
        if step.number not in starts:
            return
        begin = pattern.match(output, starts[step.number])
        assert begin is not None
        end = ends.get(step.number)
        text = output[begin.end() : end if end is not None else len(output)]
        yield Result(step, text, end is not None)
        if end is None:
            return


def matches(expected: str, actual: str) -> bool:
    """`actual` is what `expected` shows, `…` standing for any text (a line of `…` alone
    for any lines); trailing spaces and trailing blank lines do not count."""
    want = _clean(expected).splitlines()
    got = _clean(actual).splitlines()
    patterns = [None if line.strip() == "…" else _line_pattern(line) for line in want]

    @functools.cache
    def match(i: int, j: int) -> bool:
        if i == len(patterns):
            return j == len(got)
        pattern = patterns[i]
        if pattern is None:  # any number of lines
            return any(match(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and pattern.fullmatch(got[j]) is not None and match(i + 1, j + 1)

    return match(0, 0)


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def _line_pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(piece) for piece in line.split("…")))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
