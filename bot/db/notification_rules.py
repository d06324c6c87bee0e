"""Notification rules, destinations, watchers and people's settings: their statements."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.cases import User
from bot.core.notifications import (
    Destination,
    DestinationKind,
    NotificationRule,
    PeopleSettings,
    Recipient,
    RecipientType,
    Trigger,
    TriggerType,
)
from bot.db.notification_tables import (
    case_watchers,
    notification_destinations,
    notification_rules,
    project_notification_settings,
)
from bot.db.users import user_from_row, users

_r = notification_rules.c
_d = notification_destinations.c
_w = case_watchers.c


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


# -- rules -------------------------------------------------------------------------------------


def _rule(row: Any) -> NotificationRule:
    return NotificationRule(
        id=row.id,
        project_id=row.project_id,
        query=row.query,
        triggers=tuple(Trigger(TriggerType(t["type"]), t.get("data", {})) for t in row.triggers),
        recipients=tuple(
            Recipient(RecipientType(r["type"]), r.get("data", {})) for r in row.recipients
        ),
        is_enabled=bool(row.is_enabled),
        created_at=row.created_at,
        modified_at=row.modified_at,
    )


def rule_values(rule: NotificationRule) -> dict[str, Any]:
    return {
        "query": rule.query,
        "triggers": [{"type": t.type.value, "data": dict(t.data)} for t in rule.triggers],
        "recipients": [{"type": r.type.value, "data": dict(r.data)} for r in rule.recipients],
        "is_enabled": rule.is_enabled,
        "modified_at": rule.modified_at,
    }


def insert_rule(conn: Connection, rule: NotificationRule) -> None:
    values = rule_values(rule)
    conn.execute(
        insert(notification_rules).values(
            id=rule.id, project_id=rule.project_id, created_at=rule.created_at, **values
        )
    )


def update_rule(conn: Connection, rule: NotificationRule) -> None:
    conn.execute(update(notification_rules).where(_r.id == rule.id).values(rule_values(rule)))


def delete_rule(conn: Connection, project_id: uuid.UUID, rule_id: uuid.UUID) -> bool:
    result = conn.execute(
        delete(notification_rules).where(_r.id == rule_id, _r.project_id == project_id)
    )
    return bool(result.rowcount)


def find_rule(
    conn: Connection, project_id: uuid.UUID, rule_id: uuid.UUID
) -> NotificationRule | None:
    row = conn.execute(
        select(notification_rules).where(_r.id == rule_id, _r.project_id == project_id)
    ).first()
    return None if row is None else _rule(row)


# Built once: the notifier asks for a project's enabled rules on every batch of changes.
_RULES_OF = select(notification_rules).where(_r.project_id == bindparam("b_project"))
_RULES = {
    False: _RULES_OF.order_by(_r.created_at, _r.id),
    True: _RULES_OF.where(_r.is_enabled.is_(True)).order_by(_r.created_at, _r.id),
}


def rules_of(
    conn: Connection, project_id: uuid.UUID, *, enabled_only: bool = False
) -> list[NotificationRule]:
    """The project's rules, oldest first."""
    return [_rule(row) for row in conn.execute(_RULES[enabled_only], {"b_project": project_id})]


# -- destinations ------------------------------------------------------------------------------


def _destination(row: Any) -> Destination:
    return Destination(
        id=row.id,
        name=row.name,
        kind=DestinationKind(row.kind),
        config=dict(row.config),
        created_at=row.created_at,
    )


def insert_destination(conn: Connection, destination: Destination) -> None:
    conn.execute(
        insert(notification_destinations).values(
            id=destination.id,
            name=destination.name,
            kind=destination.kind.value,
            config=dict(destination.config),
            created_at=destination.created_at,
        )
    )


def destinations(conn: Connection) -> list[Destination]:
    rows = conn.execute(select(notification_destinations).order_by(_d.name))
    return [_destination(row) for row in rows]


def find_destination(conn: Connection, ref: str) -> Destination | None:
    """The destination named `ref` (any case), or with the id `ref`."""
    condition = func.lower(_d.name) == ref.strip().lower()
    with contextlib.suppress(ValueError):
        condition = or_(condition, _d.id == uuid.UUID(ref))
    row = conn.execute(select(notification_destinations).where(condition)).first()
    return None if row is None else _destination(row)


def destination_by_id(conn: Connection, destination_id: uuid.UUID) -> Destination | None:
    row = conn.execute(select(notification_destinations).where(_d.id == destination_id)).first()
    return None if row is None else _destination(row)


def delete_destination(conn: Connection, destination_id: uuid.UUID) -> None:
    conn.execute(delete(notification_destinations).where(_d.id == destination_id))


# -- watchers ----------------------------------------------------------------------------------


def add_watcher(conn: Connection, case_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> bool:
    """Watch; False when the user watched the case already."""
    statement = (
        _insert(conn)(case_watchers)
        .values(case_id=case_id, user_id=user_id, created_at=now)
        .on_conflict_do_nothing()
        .returning(_w.user_id)
    )
    return conn.execute(statement).first() is not None


def remove_watcher(conn: Connection, case_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    result = conn.execute(delete(case_watchers).where(_w.case_id == case_id, _w.user_id == user_id))
    return bool(result.rowcount)


def watchers_of(conn: Connection, case_id: uuid.UUID) -> list[User]:
    """Who watches the case, in the order they began to."""
    rows = conn.execute(
        select(users)
        .join(case_watchers, _w.user_id == users.c.id)
        .where(_w.case_id == case_id)
        .order_by(_w.created_at, users.c.name)
    )
    return [user_from_row(row) for row in rows]


def users_named(conn: Connection, names: list[str]) -> list[User]:
    """Users whose name (spaces dropped) or e-mail's local part is one of `names`
    (lower case): who `@name` in a comment means."""
    if not names:
        return []
    squashed = func.lower(func.replace(users.c.name, " ", ""))
    local = func.lower(users.c.email)
    conditions = [
        squashed.in_(names),
        *(local.like(_escaped(name) + "@%", escape="\\") for name in names),
    ]
    return [user_from_row(row) for row in conn.execute(select(users).where(or_(*conditions)))]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def users_by_slack_ids(conn: Connection, slack_ids: list[str]) -> list[User]:
    if not slack_ids:
        return []
    rows = conn.execute(select(users).where(users.c.slack_user_id.in_(slack_ids)))
    return [user_from_row(row) for row in rows]


# -- people's settings -------------------------------------------------------------------------


def people_settings(conn: Connection, project_id: uuid.UUID) -> PeopleSettings:
    stored: Mapping[str, object] | None = conn.execute(
        select(project_notification_settings.c.settings).where(
            project_notification_settings.c.project_id == project_id
        )
    ).scalar_one_or_none()
    return PeopleSettings() if stored is None else PeopleSettings.from_json(stored)


def set_people_settings(conn: Connection, project_id: uuid.UUID, settings: PeopleSettings) -> None:
    statement = _insert(conn)(project_notification_settings).values(
        project_id=project_id, settings=settings.as_json()
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id"], set_={"settings": statement.excluded.settings}
        )
    )
