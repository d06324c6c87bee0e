"""The case feed shared by servers on one PostgreSQL database (NOTIFY and LISTEN).

A change is heard when its transaction commits, never when it rolls back, and a
server whose listening connection is cut listens again and tells its pages that
they missed changes. A command's changes (`casebot tick`) reach the servers' pages too.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli import main
from bot.core.cases import CaseStatus
from bot.core.lifecycle import Lifecycle
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.services.case_feed import CaseChange, LocalCaseFeed, Subscription
from bot.services.case_reader import CaseReader
from bot.services.cases import CaseService
from bot.services.shared_case_feed import SharedCaseFeed, case_feed_for, change_of, notice_of
from tests.builders import API, NOW, make_case, make_project
from tests.databases import sqlite_url
from tests.replicas.harness import cut_listeners, empty_postgres_database

pytestmark = pytest.mark.slow

WAIT = 10.0


@pytest.fixture
def engine() -> Iterator[Engine]:
    with empty_postgres_database() as url:
        created = make_engine(url)
        yield created
        created.dispose()


def change(entry: int) -> CaseChange:
    return CaseChange(uuid.uuid4(), f"OPS-{entry}", entry)


async def publish(feed: SharedCaseFeed, engine: Engine, one: CaseChange) -> None:
    def run() -> None:
        with engine.begin() as conn:
            feed.publish(conn, one)

    await asyncio.to_thread(run)


async def heard(changes: Subscription) -> CaseChange | None:
    return await asyncio.wait_for(changes.next(), WAIT)


@pytest.mark.postgres
def test_a_change_is_heard_when_it_commits_and_never_when_it_rolls_back(engine: Engine) -> None:
    feed = case_feed_for(engine)
    assert isinstance(feed, SharedCaseFeed)
    first, second, rolled_back, last = change(1), change(2), change(3), change(4)

    async def scenario() -> None:
        async with feed.running(), feed.subscribe() as changes:
            assert feed.listening
            conn = await asyncio.to_thread(engine.connect)
            try:
                open_one = await asyncio.to_thread(conn.begin)
                await asyncio.to_thread(feed.publish, conn, first)
                # A change committed after it, while it is still open, is heard first.
                await publish(feed, engine, second)
                assert await heard(changes) == second
                await asyncio.to_thread(open_one.commit)
                assert await heard(changes) == first
                undone = await asyncio.to_thread(conn.begin)
                await asyncio.to_thread(feed.publish, conn, rolled_back)
                await asyncio.to_thread(undone.rollback)
            finally:
                await asyncio.to_thread(conn.close)
            await publish(feed, engine, last)
            assert await heard(changes) == last

    asyncio.run(scenario())


@pytest.mark.postgres
def test_the_changes_of_a_batch_are_heard_in_their_order(engine: Engine) -> None:
    """A batch of alerts publishes its cases' changes in one statement: all of them
    are heard, in the order they were made."""
    feed = SharedCaseFeed(engine)
    many = [change(n) for n in range(1, 41)]

    async def scenario() -> None:
        async with feed.running(), feed.subscribe() as changes:

            def run() -> None:
                with engine.begin() as conn:
                    feed.publish(conn, *many)

            await asyncio.to_thread(run)
            assert [await heard(changes) for _ in many] == many

    asyncio.run(scenario())


@pytest.mark.postgres
def test_a_cut_listening_connection_is_reopened_and_pages_read_everything_again(
    engine: Engine,
) -> None:
    feed = SharedCaseFeed(engine)
    after = change(7)

    async def scenario() -> None:
        async with feed.running(), feed.subscribe() as changes:
            assert feed.connections == 1
            cut = await asyncio.to_thread(cut_listeners, engine)
            assert cut == 1
            # Told once listening again: whatever changed in between was not heard.
            assert await heard(changes) is None
            assert feed.connections == 2 and feed.listening
            await publish(feed, engine, after)
            assert await heard(changes) == after

    asyncio.run(scenario())


@pytest.mark.postgres
def test_pages_opened_before_the_first_listen_are_told_to_read_everything(
    engine: Engine,
) -> None:
    feed = SharedCaseFeed(engine)

    async def scenario() -> None:
        # Serving before the first LISTEN is up (as after a slow start): a page
        # subscribed then may miss changes until it is.
        async with feed.running(ready_within=0), feed.subscribe() as changes:
            assert await heard(changes) is None
            assert feed.connections == 1

    asyncio.run(scenario())


@pytest.mark.postgres
def test_a_case_casebot_tick_closes_reaches_the_pages_of_the_servers(engine: Engine) -> None:
    upgrade(engine)
    opened_at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        project = make_project(
            conn,
            now=opened_at,
            key="OPS",
            lifecycle=Lifecycle(auto_close_inactive=True, max_inactive_secs=7 * 86_400),
        )
        case = make_case(conn, project, now=opened_at)
    url = engine.url.render_as_string(hide_password=False)
    at = (opened_at + timedelta(days=8)).isoformat()
    feed = SharedCaseFeed(engine)

    async def scenario() -> None:
        async with feed.running(), feed.subscribe() as changes:
            tick = ["tick", "--database-url", url, "--at", at, "--format", "json"]
            assert await asyncio.to_thread(main, tick) == 0
            told = await heard(changes)
            assert told is not None and (told.case_id, told.key) == (case.id, "OPS-1")

    asyncio.run(scenario())
    with engine.connect() as conn:
        assert CaseReader(conn).get(case.id).status is CaseStatus.CLOSED


@pytest.mark.postgres
def test_the_database_sends_the_notices_of_changes_whoever_makes_them(engine: Engine) -> None:
    """No case listener is needed: every timeline entry a statement appends is notified
    by the database, in order, when its transaction commits (a command's changes too)."""
    upgrade(engine)
    with engine.begin() as conn:
        project = make_project(conn, key="OPS")
    feed = SharedCaseFeed(engine)

    def change_cases() -> list[CaseChange]:
        with engine.begin() as conn:
            # A service told of no listener, as a command's is.
            service = CaseService(conn, now=NOW)
            case = service.create_case(project=project, title="Disk full", actor=API)
            service.comment(case, "looking", actor=API)
            entries = [entry.id for entry in service.timeline(case.id)]
        with engine.connect() as conn, conn.begin() as undone:
            CaseService(conn, now=NOW).comment(case, "never heard", actor=API)
            undone.rollback()
        return [CaseChange(case.id, case.key, entry) for entry in entries]

    async def scenario() -> None:
        async with feed.running(), feed.subscribe() as changes:
            made = await asyncio.to_thread(change_cases)
            assert [await heard(changes) for _ in made] == made
            # The rolled-back comment was never told: the next notice is a later change's.
            later = change(99)
            await publish(feed, engine, later)
            assert await heard(changes) == later

    asyncio.run(scenario())


def test_sqlite_keeps_the_feed_of_one_process(tmp_path: Path) -> None:
    local = make_engine(sqlite_url(tmp_path))
    try:
        assert isinstance(case_feed_for(local), LocalCaseFeed)
    finally:
        local.dispose()


def test_a_notice_carries_the_change() -> None:
    one = change(42)
    assert change_of(notice_of(one)) == one
    assert len(notice_of(one).encode()) < 200  # far below PostgreSQL's 8,000 bytes


@pytest.mark.parametrize(
    "notice",
    [
        pytest.param("OPS-1", id="not-json"),
        pytest.param('{"case": "7f0c", "key": "OPS-1", "entry": 3}', id="not-a-uuid"),
        pytest.param('{"case": "7f0c1a52-0f4e-4d55-9b7c-1c3b0e7f2a10", "key": "OPS-1"}',
                     id="no-entry"),
        pytest.param("[1, 2, 3]", id="not-an-object"),
        pytest.param('{"case": 5, "key": "OPS-1", "entry": 3}', id="a-number-for-the-case"),
    ],
)  # fmt: skip
def test_a_notice_this_version_cannot_read_says_changes_were_missed(notice: str) -> None:
    assert change_of(notice) is None
