"""A project's lifecycle settings: what casebot does with cases around what monitors say.

Two come from Datadog's project `settings`:
- `auto_close_inactive_cases`: close a case after `max_inactive_time_in_secs` without
  activity (Datadog offers 7 to 180 days);
- `auto_transition_assigned_cases.auto_transition_assigned_cases_on_self_assigned`:
  an Open case someone assigns to themselves moves to In Progress.

The others are casebot's own (`settings.casebot_lifecycle` in the API):
- `reopen_window_secs`: a group that fires again within this long after its case was
  closed by the recovery reopens that case instead of opening another (0: never);
- `auto_close_mode`: on recovery, `always` close, `never` close, or close
  `unless_worked` — unless a person commented on, assigned or changed the case, in
  which case casebot asks "monitor recovered — close?";
- `close_stale_groups`: a group silent past its source's repeat interval ends its
  cycle as if the recovery had been lost (otherwise it is only marked stale).

Pure: values and their checks.
"""

from __future__ import annotations

from enum import StrEnum

from bot.core.invalid import Invalid
from bot.core.records import record

DAY = 86_400
INACTIVE_MIN = 7 * DAY
INACTIVE_MAX = 180 * DAY
INACTIVE_DEFAULT = 30 * DAY
# The longest reopen window: a re-fire a day after the recovery is another incident.
REOPEN_MAX = DAY


class AutoCloseMode(StrEnum):
    ALWAYS = "always"
    UNLESS_WORKED = "unless_worked"
    NEVER = "never"


@record
class Lifecycle:
    auto_close_inactive: bool = False
    max_inactive_secs: int = INACTIVE_DEFAULT
    self_assign_in_progress: bool = False
    reopen_window_secs: int = 0
    # With the project's `auto_close` on: close on recovery only if nobody worked the case.
    close_unless_worked: bool = False
    close_stale_groups: bool = False


def auto_close_mode(auto_close: bool, lifecycle: Lifecycle) -> AutoCloseMode:
    if not auto_close:
        return AutoCloseMode.NEVER
    return AutoCloseMode.UNLESS_WORKED if lifecycle.close_unless_worked else AutoCloseMode.ALWAYS


def check_inactive_secs(value: int) -> int | Invalid:
    if not INACTIVE_MIN <= value <= INACTIVE_MAX:
        return Invalid(
            "max_inactive_time_in_secs",
            f"must be between {INACTIVE_MIN} (7 days) and {INACTIVE_MAX} (180 days), got {value}",
        )
    return value


def check_reopen_window(value: int) -> int | Invalid:
    if not 0 <= value <= REOPEN_MAX:
        return Invalid(
            "reopen_window_secs", f"must be between 0 (off) and {REOPEN_MAX} (a day), got {value}"
        )
    return value


def describe_duration(seconds: float) -> str:
    """`12 h`, `30 days`, `7 min`: how a timeline entry says a length of time."""
    if seconds >= 2 * DAY and seconds % DAY == 0:
        return f"{int(seconds // DAY)} days"
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} min"
