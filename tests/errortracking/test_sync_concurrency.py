"""Issue changes and case changes racing on one case neither deadlock nor break sync.

Every path takes its locks in one order — the case row, then its issues — so
a person closing the case while another resolves an issue, or while the
error comes back, waits instead of deadlocking (PostgreSQL would abort one).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource, CaseStatus
from bot.core.issue_sync import status_group
from bot.core.issues import IssueState
from bot.errortracking import ErrorEvent, IssueService, with_issue_sync
from bot.services.cases import CaseService
from bot.services.projects import ProjectService

PERSON = Actor(ActorSource.API, None, "racer")
LISTENERS = with_issue_sync(())
ROUNDS = 25
ADVANCE = {CaseStatus.OPEN: 0, CaseStatus.IN_PROGRESS: 1, CaseStatus.CLOSED: 2}


def _now() -> datetime:
    return datetime.now(UTC)


def test_racing_issue_and_case_changes(engine: Engine) -> None:
    with engine.begin() as conn:
        ProjectService(conn, now=_now()).create(name="Race", key="RACE", handle="race")
        issues = IssueService(conn, now=_now(), listeners=LISTENERS)
        ids = [issues.record(ErrorEvent("svc", f"E{n}"), actor=PERSON).issue.id for n in range(3)]
        case = issues.create_case(ids[0], actor=PERSON, project="RACE")
        for issue_id in ids[1:]:
            issues.link(issue_id, case.key, actor=PERSON)
    errors: list[BaseException] = []

    def issue_changes(rng: random.Random) -> None:
        with engine.begin() as conn:
            service = IssueService(conn, now=_now(), listeners=LISTENERS)
            service.set_state(rng.choice(ids), rng.choice(list(IssueState)), actor=PERSON)

    def case_changes(rng: random.Random) -> None:
        with engine.begin() as conn:
            cases = CaseService(conn, now=_now(), listeners=LISTENERS)
            cases.set_status(case.id, rng.choice(list(CaseStatus)), actor=PERSON)

    def occurrences(rng: random.Random) -> None:
        with engine.begin() as conn:
            service = IssueService(conn, now=_now(), listeners=LISTENERS)
            service.record(ErrorEvent("svc", f"E{rng.randrange(3)}"), actor=PERSON)

    def worker(seed: int, change: Callable[[random.Random], None]) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(ROUNDS):
                change(rng)
        except BaseException as error:  # reported below
            errors.append(error)

    work = [issue_changes, case_changes, occurrences, issue_changes, case_changes]
    threads = [threading.Thread(target=worker, args=(n, w)) for n, w in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert errors == []
    with engine.connect() as conn:
        final = CaseService(conn, now=_now()).get(case.id)
        linked = IssueService(conn, now=_now()).linked(final)
    assert len(linked) == 3
    for issue in linked:
        assert ADVANCE[final.status] <= ADVANCE[status_group(issue.state)]
