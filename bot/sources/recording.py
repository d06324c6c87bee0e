"""Recorded deliveries: the files `casebot replay` reads and `tests/payloads/` holds.

A recording is a JSON object `{"source", "received_at", "headers", "body"}`:
- `source`: `datadog`, `alertmanager`, `grafana` or `generic`;
- `received_at`: RFC 3339 time the delivery arrived (replay runs it at that time);
- `headers`: the request headers that matter (an object of strings, may be empty);
- `body`: the request body. A JSON string is the raw body text, byte for byte (for bodies
  that are not JSON, or signed bodies whose exact bytes count); any other JSON value is the
  decoded body, sent again as compact JSON.
A folder stands for its `*.json` files in file-name order (sub-folders too, each in place).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from bot.core.events import Source
from bot.sources.errors import SourceError
from bot.sources.fields import as_object, describe, parse_rfc3339, required_str

SOURCES = ", ".join(source.value for source in Source)


class RecordingError(ValueError):
    """A recording file that is not `{"source", "received_at", "headers", "body"}`."""


@dataclass(frozen=True, slots=True)
class Recording:
    source: Source
    received_at: datetime
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files in the order given; a folder's `*.json` files in file-name order."""
    files: list[Path] = []
    for item in paths:
        if item.is_dir():
            files.extend(expand(sorted(p for p in item.iterdir() if p.is_dir() or _is_json(p))))
        else:
            files.append(item)
    return files


def load(path: Path) -> Recording:
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise RecordingError(f"{path}: not JSON: {error}") from None
    try:
        return from_json(data, path=path)
    except SourceError as error:
        raise RecordingError(f"{path}: {error.field}: {error.message}") from None


def load_all(paths: Iterable[Path]) -> list[Recording]:
    return [load(path) for path in expand(paths)]


def from_json(data: object, *, path: Path | None = None) -> Recording:
    obj = as_object(data, "recording")
    name = required_str(obj, "source")
    try:
        source = Source(name)
    except ValueError:
        raise SourceError("source", f"expected one of {SOURCES}, got {name!r}") from None
    received_at = parse_rfc3339(required_str(obj, "received_at"), "received_at")
    headers_value = obj.get("headers", {})
    headers = as_object(headers_value, "headers")
    for key, value in headers.items():
        if not isinstance(value, str):
            raise SourceError(f"headers.{key}", f"expected a string, got {describe(value)}")
    if "body" not in obj:
        raise SourceError("body", "is missing")
    return Recording(
        source=source,
        received_at=received_at,
        body=encode_body(obj["body"]),
        headers=dict(headers),  # type: ignore[arg-type]  # values checked above
        path=path,
    )


def bare(path: Path, *, source: Source, received_at: datetime) -> Recording:
    """A file holding only a request body (`casebot replay --source …`)."""
    return Recording(source=source, received_at=received_at, body=path.read_bytes(), path=path)


def encode_body(body: object) -> bytes:
    if isinstance(body, str):
        return body.encode()
    return orjson.dumps(body)


def to_json(recording: Recording) -> dict[str, object]:
    """The file form of a recording (the body kept as decoded JSON when it is JSON)."""
    body: object
    try:
        body = orjson.loads(recording.body)
        if isinstance(body, str) or orjson.dumps(body) != recording.body:
            body = recording.body.decode()
    except orjson.JSONDecodeError:
        body = recording.body.decode()
    return {
        "source": recording.source.value,
        "received_at": recording.received_at.isoformat().replace("+00:00", "Z"),
        "headers": dict(recording.headers),
        "body": body,
    }


def _is_json(path: Path) -> bool:
    return path.is_file() and path.suffix == ".json"
