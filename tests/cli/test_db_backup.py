"""`casebot db backup FILE`: a copy of a SQLite database, taken while it is in use."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_backup_copies_a_sqlite_database_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'casebot.db'}"
    assert main(["project", "add", "--name", "Storage", "--key", "STORAGE", "--handle",
                 "storage", "--database-url", url]) == 0  # fmt: skip
    copy = tmp_path / "backup.db"
    capsys.readouterr()
    assert main(["db", "backup", str(copy), "--database-url", url]) == 0
    assert capsys.readouterr().out == f"Copied {url} to {copy}.\n"
    # The copy is a whole casebot database on its own (WAL pages included).
    assert main(["project", "list", "--format", "json", "--database-url", f"sqlite:///{copy}"]) == 0
    assert '"key": "STORAGE"' in capsys.readouterr().out
    # An existing file is never overwritten.
    assert main(["db", "backup", str(copy), "--database-url", url]) == 1
    assert "exists; name a new file" in capsys.readouterr().err


@pytest.mark.postgres
def test_backup_of_postgresql_points_at_pg_dump(
    backend: str, migrated_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if backend != "postgres":
        pytest.skip("the PostgreSQL case")
    code = main(["db", "backup", str(tmp_path / "x.db"), "--database-url", migrated_database_url])
    assert code == 1 and "pg_dump" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()
