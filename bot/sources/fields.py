"""Reading typed fields out of a decoded JSON body, naming the path of whatever is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from bot.core.events import MONITOR_ID_MAX
from bot.sources.errors import SourceError

JSONObject = Mapping[str, object]

_TYPE_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def describe(value: object) -> str:
    """How a JSON value is called in an error message."""
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def path(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def as_object(value: object, field: str) -> JSONObject:
    if type(value) is dict:  # the usual case, and much cheaper than the ABC check below
        return value
    if not isinstance(value, Mapping):
        raise SourceError(field, f"expected an object, got {describe(value)}")
    return value


def required_str(obj: JSONObject, key: str, prefix: str = "", *, allow_empty: bool = False) -> str:
    field = path(prefix, key)
    if key not in obj:
        raise SourceError(field, "is missing")
    value = obj[key]
    if not isinstance(value, str):
        raise SourceError(field, f"expected a string, got {describe(value)}")
    if not allow_empty and not value.strip():
        raise SourceError(field, "is empty")
    return value


def bounded_id(value: str, field: str) -> str:
    """A monitor id or cycle key, refused when longer than casebot stores."""
    if len(value) > MONITOR_ID_MAX:
        raise SourceError(
            field, f"is {len(value)} characters long; at most {MONITOR_ID_MAX} are kept"
        )
    return value


def optional_str(obj: JSONObject, key: str, prefix: str = "") -> str | None:
    """The string at `key`, or None when it is absent, null or blank."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourceError(path(prefix, key), f"expected a string, got {describe(value)}")
    return value if value.strip() else None


_STR_ONLY = frozenset({str})


def string_map(obj: JSONObject, key: str, prefix: str = "", *, required: bool) -> Mapping[str, str]:
    """An object whose values are all strings (Alertmanager labels and annotations)."""
    field = path(prefix, key)
    value = obj.get(key)
    if value is None:
        if required:
            raise SourceError(field, "is missing")
        return {}
    mapping = as_object(value, field)
    # One C-level pass over the values' types (a generator cost more than the rest).
    if not _STR_ONLY.issuperset(map(type, mapping.values())):
        for name, item in mapping.items():
            if not isinstance(item, str):
                raise SourceError(f"{field}.{name}", f"expected a string, got {describe(item)}")
    return mapping  # type: ignore[return-value]  # every value was checked above


def parse_rfc3339(text: str, field: str) -> datetime:
    """An RFC 3339 time as an aware UTC datetime (Go sends up to nanoseconds)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SourceError(field, f"expected an RFC 3339 time, got {text!r}") from None
    if moment.tzinfo is None:
        raise SourceError(field, f"time {text!r} has no UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise SourceError(field, f"time {text!r} is out of range") from None


def parse_epoch_ms(value: object, field: str) -> datetime:
    """Epoch milliseconds, as Datadog's `$DATE` sends them: a string of digits (or a number)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SourceError(field, f"expected epoch milliseconds, got {describe(value)}")
    try:
        millis = int(value) if isinstance(value, str) else value
    except ValueError:
        raise SourceError(field, f"expected epoch milliseconds, got {value!r}") from None
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise SourceError(field, f"epoch milliseconds {value!r} are out of range") from None


_PRIORITIES = {f"{n}": f"P{n}" for n in range(1, 6)} | {f"p{n}": f"P{n}" for n in range(1, 6)}


def normalize_priority(text: str) -> str | None:
    """`P1`…`P5` (also `p2`, `2`) -> `P2`; anything else -> None."""
    return _PRIORITIES.get(text.strip().lower())
