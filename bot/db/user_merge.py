"""Two user rows of one person become one: every reference follows the one kept.

Apart from bot/db/users.py because it must know every table that names a user:
it reads them from the whole schema (bot/db/schema.py).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, delete, update

from bot.db.schema import metadata
from bot.db.users import users


def merge_users(conn: Connection, *, keep: uuid.UUID, drop: uuid.UUID) -> None:
    """Point everything that names user `drop` (cases, timelines, issues, keys, ...) at
    `keep`, then delete `drop`."""
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "users" and key.column.name == "id":
                column = key.parent
                conn.execute(update(table).where(column == drop).values({column.name: keep}))
    conn.execute(delete(users).where(users.c.id == drop))
