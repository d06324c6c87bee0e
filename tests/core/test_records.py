"""`record`: frozen to the type checker, equal and hashable by fields, cheap to make."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from bot.core.records import record


@record
class Point:
    x: int
    label: str = "p"


def test_records_compare_hash_and_replace_by_fields() -> None:
    a, b = Point(1), Point(1)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert replace(a, x=2) == Point(2, "p") and a.x == 1
    assert repr(a) == "Point(x=1, label='p')"


def test_assigning_to_a_record_field_is_a_type_error(tmp_path: Path) -> None:
    source = tmp_path / "mutates.py"
    source.write_text(
        "from bot.core.records import record\n\n"
        "@record\nclass Point:\n    x: int\n\n"
        "p = Point(1)\np.x = 2\n"
    )
    # In a subprocess: mypy's entry point raises the interpreter's recursion limit for good.
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(source)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert 'Property "x" defined in "Point" is read-only' in checked.stdout
