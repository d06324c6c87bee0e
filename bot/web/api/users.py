"""`GET /api/v2/users`: the people (and API key pairs) cases can be assigned to.

Slack users appear once they have acted; each API key pair acts as a user of
its own (a service account). Pages count from 0, as Datadog's users API and
the client's `list_users_with_pagination` do.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.db.api_keys import api_keys
from bot.db.users import user_from_row, users
from bot.web.api.endpoint import Answer, Call
from bot.web.api.query_params import Page
from bot.web.api.resources import user_resource


def list_users(call: Call, page: Page, text: str) -> Answer:
    service_accounts = {
        row.user_id
        for row in call.conn.execute(select(api_keys.c.user_id))
        if row.user_id is not None
    }
    everyone = [
        user_from_row(row)
        for row in call.conn.execute(select(users).order_by(users.c.name, users.c.id))
    ]
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
    return Answer(
        200,
        {
            "data": [
                user_resource(user, service_account=user.id in service_accounts)
                for user in selected
            ],
            "meta": {"page": {"total_count": len(everyone), "total_filtered_count": len(matching)}},
        },
    )
