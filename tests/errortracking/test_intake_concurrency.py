"""Racing first occurrences of one error make one issue that counts them all."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from bot.core.cases import Actor, ActorSource
from bot.db.error_tracking import error_tracking_issues, error_tracking_occurrences
from bot.errortracking import ErrorEvent, IssueService

WRITERS = 8


def test_concurrent_first_occurrences_make_one_issue(engine: Engine) -> None:
    barrier = threading.Barrier(WRITERS)
    new_issue_answers: list[bool] = []
    errors: list[BaseException] = []

    def report() -> None:
        try:
            barrier.wait(timeout=10)
            with engine.begin() as conn:
                service = IssueService(conn, now=datetime.now(UTC))
                event = ErrorEvent("checkout", "TimeoutError", fingerprint="race")
                recorded = service.record(event, actor=Actor(ActorSource.API, None, "t"))
            new_issue_answers.append(recorded.new_issue)
        except BaseException as error:  # reported below, with the others
            errors.append(error)

    threads = [threading.Thread(target=report) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(new_issue_answers) == [False] * (WRITERS - 1) + [True]
    with engine.connect() as conn:
        issues = conn.execute(select(error_tracking_issues.c.occurrences)).scalars().all()
        stored = conn.execute(select(func.count()).select_from(error_tracking_occurrences))
        assert issues == [WRITERS]
        assert stored.scalar_one() == WRITERS
