"""The docs-examples runner can fail: it reads blocks and directives as documented,
and a wrong output, a failing command or a stray directive is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.examples import DOCS, matches, parse_page, run
from tests.docs.test_examples import environment

PAGE = """# A page

<!-- docs-test: environment -->
```bash
export CASEBOT_PORT=8080
```

```console
$ echo "one $((1 + 1))"
one 2
$ echo a \\
  b
a b
```

```bash
X=$(printf 'from an earlier block')
```

```python
import os
print("python sees", os.environ["CASEBOT_PORT"] != "8080")
```

<!-- docs-test: output -->
```text
python sees True
```

<!-- docs-test: skip: needs a Slack workspace -->
```bash
exit 1
```

```json
{"not": "run"}
```

1. In a list:

    ```console
    $ echo "$X"
    from an …
    ```
"""


def test_blocks_and_directives_are_read() -> None:
    page = parse_page(DOCS / "example.md", PAGE)
    kinds = [(b.language, b.directive) for b in page.blocks]
    assert kinds == [
        ("bash", "environment"),
        ("console", None),
        ("bash", None),
        ("python", None),
        ("text", "output"),
        ("bash", "skip"),
        ("json", None),
        ("console", None),
    ]
    assert [b.language for b in page.runnable] == ["bash", "console", "bash", "python", "console"]
    assert page.blocks[3].expected == "python sees True"
    assert [(c.text, c.expected) for c in page.blocks[1].commands()] == [
        ('echo "one $((1 + 1))"', "one 2"),
        ("echo a \\\n  b", "a b"),
    ]
    assert page.skipped[0].reason == "needs a Slack workspace"
    assert page.blocks[-1].code == '$ echo "$X"\nfrom an …'


def test_a_page_runs_in_one_shell_with_the_tests_environment(tmp_path: Path) -> None:
    page = parse_page(DOCS / "example.md", PAGE)
    results = run(page, environment(tmp_path), timeout=60)
    assert all(r.finished for r in results) and len(results) == 6
    for result in results:
        if result.step.command.expected is not None:
            assert matches(result.step.command.expected, result.output), result


def test_a_wrong_output_and_a_failing_command_are_caught(tmp_path: Path) -> None:
    page = parse_page(
        DOCS / "example.md", "```console\n$ echo two\none\n$ false\n$ echo never\n```\n"
    )
    first, second = run(page, environment(tmp_path), timeout=60)
    assert first.finished and not matches(first.step.command.expected or "", first.output)
    assert not second.finished  # the page stopped: `echo never` did not run


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        ("a\nb", "a\nb\n\n", True),
        ("id …, key OPS-1", "id 5f1c…9e, key OPS-1", True),
        ("id …, key OPS-1", "id 5f1c, key OPS-2", False),
        ("first\n…\nlast", "first\nx\ny\nlast", True),
        ("first\n…\nlast", "first\nlast", True),
        ("first\n…", "first", True),
        ("first", "first\nmore", False),
        ("a  ", "a", True),
    ],
    ids=[
        "trailing-blank-lines",
        "ellipsis-in-a-line",
        "ellipsis-does-not-excuse-the-rest",
        "ellipsis-line-many",
        "ellipsis-line-none",
        "ellipsis-line-last",
        "extra-line",
        "trailing-spaces",
    ],
)
def test_placeholders(expected: str, actual: str, ok: bool) -> None:
    assert matches(expected, actual) is ok


@pytest.mark.parametrize(
    "text",
    [
        "<!-- docs-test: environment -->\n```bash\nexport PATH=/x\n```\n",
        "<!-- docs-test: skip -->\n```bash\ntrue\n```\n",
        "<!-- docs-test: output -->\n```text\nx\n```\n",
        "<!-- docs-test: later -->\n```bash\ntrue\n```\n",
        "```bash\ntrue\n",
    ],
    ids=[
        "environment-names-another-variable",
        "skip-without-reason",
        "output-first",
        "unknown-directive",
        "unclosed-block",
    ],
)
def test_mistakes_in_a_page_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_page(DOCS / "example.md", text)
