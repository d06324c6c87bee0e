"""Issue changes as they appear on a case's timeline, and the actor sync acts as.

Every change to a linked issue is written on its case's timeline too (kinds
`issue_linked`, `issue_unlinked`, `issue_state`, `issue_assignee`,
`issue_comment`), through `CaseService.append` so that the case's listeners
(its Slack message) hear of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.core.cases import Actor, ActorSource
from bot.core.issues import Issue
from bot.services.cases import CaseService


class CaseEntryKind(StrEnum):
    ISSUE_LINKED = "issue_linked"
    ISSUE_UNLINKED = "issue_unlinked"
    ISSUE_STATE = "issue_state"
    ISSUE_ASSIGNEE = "issue_assignee"
    ISSUE_COMMENT = "comment"


def sync_actor(actor: Actor) -> Actor:
    """`actor`, as the source of a change that sync makes on its behalf.

    The `error_tracking` source is what tells the case listener not to carry
    the change back to the issues (that would echo).
    """
    return Actor(ActorSource.ERROR_TRACKING, actor.user_id, actor.name or "error tracking")


def is_sync(actor: Actor) -> bool:
    return actor.source == ActorSource.ERROR_TRACKING


def issue_data(issue: Issue, **extra: Any) -> dict[str, Any]:
    return {"issue_id": str(issue.id), "issue_title": issue.title, **extra}


def record_on_case(
    cases: CaseService,
    case_id: uuid.UUID,
    kind: CaseEntryKind,
    actor: Actor,
    body: str,
    data: Mapping[str, Any],
) -> None:
    cases.append(case_id, kind=kind.value, body=body, actor=sync_actor(actor), data=data)
