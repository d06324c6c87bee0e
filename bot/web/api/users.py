"""`GET /api/v2/users`: the people (and API key pairs) cases can be assigned to.

Slack users appear once they have acted; each API key pair acts as a user of
its own (a service account). Pages count from 0, as Datadog's users API and
the client's `list_users_with_pagination` do.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import Connection

from bot.core.cases import TimelineEntry, User
from bot.services import keys
from bot.services.users import UserReader
from bot.web.api.caller import READ_CASES, Call, Caller
from bot.web.api.models.case_resources import UsersResponse
from bot.web.api.query_params import Page, PageFrom0, PageSize, UserFilter
from bot.web.api.resources import user_resource
from bot.web.api.routing import PREFIX, ApiRoute

router = APIRouter(prefix=PREFIX, route_class=ApiRoute, tags=["Case Management"])


def authors(conn: Connection, entries: list[TimelineEntry]) -> dict[uuid.UUID, User]:
    """The users behind `entries`, by id."""
    ids = {entry.actor.user_id for entry in entries if entry.actor.user_id is not None}
    reader = UserReader(conn)
    found = (reader.find(user_id) for user_id in ids)
    return {user.id: user for user in found if user is not None}


@router.get(
    "/users",
    operation_id="list_users",
    summary="List users (assignees); pages count from 0, as Datadog's users API does",
    response_model=UsersResponse,
)
async def list_users(
    caller: Annotated[Caller, Depends(READ_CASES)],
    page_size: PageSize = 10,
    page_number: PageFrom0 = 0,
    text: UserFilter = "",
) -> Any:
    page = Page(page_size, page_number, 0)
    return await caller.run(lambda call: _users(call, page, text))


def _users(call: Call, page: Page, text: str) -> dict[str, Any]:
    service_accounts = {key.user_id for key in keys.list_keys(call.conn) if key.user_id}
    everyone = UserReader(call.conn).list()
    needle = text.strip().casefold()
    matching = [
        user
        for user in everyone
        if not needle
        or any(
            needle in (value or "").casefold()
            for value in (user.name, user.email, user.slack_user_id, str(user.id))
        )
    ]
    selected = matching[page.offset : page.offset + page.size]
    return {
        "data": [
            user_resource(user, service_account=user.id in service_accounts) for user in selected
        ],
        "meta": {"page": {"total_count": len(everyone), "total_filtered_count": len(matching)}},
    }
