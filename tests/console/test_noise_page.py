"""`/reports/noise`: the noise report of a replayed 30-day history (the one
tests/reports/test_noise.py checks figure by figure), as a person signed in reads it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.console.harness import Console, add_account, console
from tests.reports.test_noise import END, build_history

_ROW = re.compile(r"<tr id=\"monitor-[^\"]+\">(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


@pytest.fixture
def viewer(engine: Engine, migrated_database_url: str, tmp_path: Path) -> Iterator[Console]:
    build_history(engine, tmp_path)
    add_account(migrated_database_url, "vic@example.com", role="viewer", name="Vic")
    with console(migrated_database_url) as c:
        c.clock.now = END
        assert c.sign_in("vic@example.com").status_code == 303
        yield c


def rows(page: str) -> list[list[str]]:
    return [_CELL.findall(row) for row in _ROW.findall(page)]


def test_the_noisiest_monitor_comes_first_with_its_figures(viewer: Console) -> None:
    page = viewer.client.get("/reports/noise")
    assert page.status_code == 200
    assert 'aria-current="page">Noise</a>' in page.text
    assert rows(page.text) == [
        ["Disk full", "generic", "10", "10 (100%)", "0", "30 min", "-", "0"],
        ["CPU high", "generic", "1", "1 (100%)", "2", "40 min", "-", "0"],
        ["DB slow", "generic", "3", "0 (0%)", "0", "1 h 00 min", "20 min", "0"],
        ["Queue backlog", "generic", "0", "–", "0", "-", "-", "4"],
    ]


def test_a_shorter_period_and_one_project(viewer: Console) -> None:
    ten_days = viewer.client.get("/reports/noise", params={"since": "10d"})
    assert [r[0] for r in rows(ten_days.text)] == ["Queue backlog"]
    assert '<option value="10d" selected>10d</option>' in ten_days.text
    one_project = viewer.client.get("/reports/noise", params={"project": "OPS"})
    assert [r[0] for r in rows(one_project.text)] == ["Disk full", "CPU high", "DB slow"]
    assert '<option value="OPS" selected>' in one_project.text


def test_a_bad_period_or_project_is_named(viewer: Console) -> None:
    bad = viewer.client.get("/reports/noise", params={"since": "<b>soon</b>"})
    assert bad.status_code == 400
    assert "&lt;b&gt;soon&lt;/b&gt;" in bad.text and "<b>soon" not in bad.text
    missing = viewer.client.get("/reports/noise", params={"project": "NOPE"})
    assert missing.status_code == 404
    assert "NOPE" in missing.text


def test_signed_out_people_are_sent_to_sign_in(engine: Engine, migrated_database_url: str) -> None:
    with console(migrated_database_url) as c:
        answer = c.client.get("/reports/noise")
    assert answer.status_code in (303, 302)
    assert answer.headers["location"].startswith("/login")
