"""The downtime service: schedule, change, cancel and read downtimes; the alert path's cache.

`DowntimeService(conn, now=...)` works inside its caller's transaction, like the
case service. After a change commits, the caller calls `downtimes_changed()`:
every `DowntimeCache` of this process reloads before its next use. Other
processes (replicas, a `casebot downtime add` beside the server) see the change
within `refresh_seconds`, when their cache reloads anyway.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection

from bot.core.downtime_schedule import ScheduleSpec, build_schedule
from bot.core.downtimes import (
    DEFAULT_END_STATES,
    DEFAULT_END_TYPES,
    MESSAGE_MAX,
    ActiveDowntime,
    Downtime,
    DowntimeStatus,
    MonitorIdentifier,
    check_end_states,
    check_end_types,
    check_scope,
    compiled,
)
from bot.core.invalid import Invalid
from bot.db import downtimes as store
from bot.services.errors import DowntimeNotFound, InvalidDowntime

__all__ = [
    "UNSET",
    "DowntimeCache",
    "DowntimeService",
    "downtimes_changed",
]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()

_generation = 0
_generation_lock = threading.Lock()


def downtimes_changed() -> None:
    """Call after a downtime change commits: this process's caches reload."""
    global _generation
    with _generation_lock:
        _generation += 1


def _ok(value: Any) -> Any:
    if isinstance(value, Invalid):
        raise InvalidDowntime(value.field, value.message)
    return value


def _monitor(monitor: MonitorIdentifier) -> MonitorIdentifier:
    if monitor.monitor_id is None:
        tags = tuple(dict.fromkeys(t.strip() for t in monitor.monitor_tags if t.strip()))
        if not tags:
            raise InvalidDowntime(
                "monitor_identifier", "give a monitor_id or at least one monitor tag (`*`: all)"
            )
        return MonitorIdentifier(None, tags)
    if monitor.monitor_tags:
        raise InvalidDowntime(
            "monitor_identifier", "give either monitor_id or monitor_tags, not both"
        )
    return monitor


def _message(text: str | None) -> str | None:
    if text is not None and len(text) > MESSAGE_MAX:
        raise InvalidDowntime("message", f"message is longer than {MESSAGE_MAX} characters")
    return text or None


class DowntimeReader:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, downtime_id: uuid.UUID | str) -> Downtime:
        found = store.find_downtime(self.conn, _id(downtime_id))
        if found is None:
            raise DowntimeNotFound(downtime_id)
        return found

    def list(
        self, *, now: datetime, current_only: bool = False, offset: int = 0, limit: int = 30
    ) -> tuple[list[Downtime], int]:
        """A page of downtimes (newest first) and how many there are; `current_only`:
        those active at `now`."""
        if not current_only:
            return store.list_downtimes(self.conn, offset=offset, limit=limit)
        found, _ = store.list_downtimes(self.conn, offset=0, limit=10_000, unsettled_only=True)
        active = [d for d in found if d.status(now) is DowntimeStatus.ACTIVE]
        return active[offset : offset + limit], len(active)


class DowntimeService(DowntimeReader):
    def __init__(self, conn: Connection, *, now: datetime) -> None:
        super().__init__(conn)
        self.now = now

    def create(
        self,
        *,
        scope: str,
        monitor: MonitorIdentifier,
        schedule: ScheduleSpec | None = None,
        message: str | None = None,
        display_timezone: str | None = None,
        mute_first_recovery: bool = False,
        notify_end_states: Iterable[str] | None = None,
        notify_end_types: Iterable[str] | None = None,
        created_by: uuid.UUID | None = None,
    ) -> Downtime:
        _ok(check_scope(scope))
        downtime = Downtime(
            id=uuid.uuid4(),
            scope=scope.strip(),
            monitor=_monitor(monitor),
            schedule=_ok(build_schedule(schedule, now=self.now)),
            created_at=self.now,
            modified_at=self.now,
            message=_message(message),
            display_timezone=display_timezone,
            mute_first_recovery=mute_first_recovery,
            notify_end_states=_ok(
                check_end_states(
                    DEFAULT_END_STATES if notify_end_states is None else notify_end_states
                )
            ),
            notify_end_types=_ok(
                check_end_types(DEFAULT_END_TYPES if notify_end_types is None else notify_end_types)
            ),
            created_by=created_by,
        )
        # Windows that ended before it existed are not its ends to notify.
        store.insert_downtime(self.conn, downtime, ends_done_through=self.now)
        return downtime

    def update(
        self,
        downtime_id: uuid.UUID | str,
        *,
        scope: str | _Unset = UNSET,
        monitor: MonitorIdentifier | _Unset = UNSET,
        schedule: ScheduleSpec | _Unset = UNSET,
        message: str | _Unset | None = UNSET,
        display_timezone: str | _Unset | None = UNSET,
        mute_first_recovery: bool | _Unset = UNSET,
        notify_end_states: Iterable[str] | _Unset = UNSET,
        notify_end_types: Iterable[str] | _Unset = UNSET,
    ) -> Downtime:
        """Change the given members. A canceled downtime cannot be changed."""
        current = self._locked(downtime_id)
        if current.canceled_at is not None:
            raise InvalidDowntime("status", f"downtime {current.id} is canceled: it cannot change")
        changes: dict[str, Any] = {"modified_at": self.now}
        if not isinstance(scope, _Unset):
            _ok(check_scope(scope))
            changes["scope"] = scope.strip()
        if not isinstance(monitor, _Unset):
            changes["monitor"] = _monitor(monitor)
        if not isinstance(schedule, _Unset):
            changes["schedule"] = _ok(
                build_schedule(schedule, now=self.now, previous=current.schedule)
            )
        if not isinstance(message, _Unset):
            changes["message"] = _message(message)
        if not isinstance(display_timezone, _Unset):
            changes["display_timezone"] = display_timezone
        if not isinstance(mute_first_recovery, _Unset):
            changes["mute_first_recovery"] = mute_first_recovery
        if not isinstance(notify_end_states, _Unset):
            changes["notify_end_states"] = _ok(check_end_states(notify_end_states))
        if not isinstance(notify_end_types, _Unset):
            changes["notify_end_types"] = _ok(check_end_types(notify_end_types))
        changed = replace(current, **changes)
        store.replace_downtime(self.conn, changed)
        return changed

    def cancel(self, downtime_id: uuid.UUID | str) -> Downtime:
        """Cancel the downtime now (again: nothing changes). The scheduler notifies the
        groups it muted, if its `notify_end_types` has `canceled`."""
        current = self._locked(downtime_id)
        if current.canceled_at is not None:
            return current
        changed = replace(current, canceled_at=self.now, modified_at=self.now)
        store.replace_downtime(self.conn, changed)
        return changed

    def _locked(self, downtime_id: uuid.UUID | str) -> Downtime:
        found = store.find_downtime(self.conn, _id(downtime_id), lock=True)
        if found is None:
            raise DowntimeNotFound(downtime_id)
        return found


def _id(ref: uuid.UUID | str) -> uuid.UUID:
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(str(ref).strip())
    except ValueError:
        raise DowntimeNotFound(ref) from None


class DowntimeCache:
    """The downtimes the alert path matches, read once and kept until a change.

    `active(conn)` reads the database only after `downtimes_changed()` was called in
    this process, or `refresh_seconds` after the last read (a change another process
    made): with no downtime, a notification costs no query.
    """

    def __init__(
        self,
        *,
        refresh_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._generation = -1
        self._loaded_at = 0.0
        self._active: tuple[ActiveDowntime, ...] = ()

    def active(self, conn: Connection) -> tuple[ActiveDowntime, ...]:
        generation = _generation
        now = self._clock()
        if generation == self._generation and now - self._loaded_at < self.refresh_seconds:
            return self._active
        loaded = tuple(compiled(d) for d, _ in store.unsettled(conn) if d.canceled_at is None)
        with self._lock:
            self._active, self._generation, self._loaded_at = loaded, generation, now
        return loaded
