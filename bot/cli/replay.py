"""`casebot replay PATH…`: run recorded deliveries through the pipeline, each at its time.

Without `--database-url` the deliveries go into a throwaway SQLite database,
where every `@case-<handle>` met is given a project (monitor integration on,
auto-close on) so that you see what your monitor messages would do. With a
database URL, that database's projects are used as they are, and what the
replay does stays there.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import orjson
from sqlalchemy import Engine

from bot.core.cases import Case
from bot.core.events import MonitorEvent, Source
from bot.core.projects import validate_project_handle
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.errortracking import with_issue_sync
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery, DeliveryReport
from bot.services.case_reader import CaseReader
from bot.services.projects import ProjectReader, ProjectService
from bot.settings import ConfigError, Settings
from bot.sources import SignatureError, SourceError
from bot.sources.recording import Recording, RecordingError, bare, expand, from_json, load

# A raw `@case-<handle>` anywhere in a message, before rendering (project discovery only).
_CASE_HANDLE = re.compile(r"@case-([a-z0-9][a-z0-9_-]*[a-z0-9]|[a-z0-9])", re.IGNORECASE)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="replay recorded deliveries and show the cases they make",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
    parser.add_argument("--database-url", help="replay into this database (default: throwaway)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument(
        "--source",
        choices=[s.value for s in Source],
        help="read files that are bare request bodies as deliveries from this source",
    )
    parser.set_defaults(handler=run)


@dataclass(frozen=True, slots=True)
class Replayed:
    recording: Recording
    report: DeliveryReport | None
    # Set when nothing was stored: a signature that does not verify.
    refused: str | None = None


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env(database_url=args.database_url)
        recordings = read_recordings(args.paths, Source(args.source) if args.source else None)
    except (ConfigError, RecordingError, OSError) as error:
        print(f"casebot replay: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="casebot-replay-") as scratch:
        throwaway = args.database_url is None
        url = f"sqlite:///{Path(scratch) / 'replay.db'}" if throwaway else settings.database_url
        engine = make_engine(url)
        try:
            upgrade(engine)
            # The case listeners, built once: without a server, issue sync alone.
            pipeline = Pipeline(sources=settings.sources, case_listeners=with_issue_sync(()))
            results = [
                replay_one(engine, pipeline, r, create_projects=throwaway) for r in recordings
            ]
            cases = case_documents(engine)
        finally:
            engine.dispose()
    if args.format == "json":
        document = {"deliveries": [delivery_document(r) for r in results], "cases": cases}
        sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        write_text(results, cases, sys.stdout)
    return 1 if any(r.report and r.report.outcome == "failed" for r in results) else 0


def read_recordings(paths: Sequence[Path], source: Source | None) -> list[Recording]:
    recordings = []
    for path in expand(paths):
        if source is None:
            recordings.append(load(path))
            continue
        data = _json_or_none(path)
        if isinstance(data, dict) and {"source", "received_at", "body"} <= data.keys():
            recordings.append(from_json(data, path=path))
        else:
            recordings.append(bare(path, source=source, received_at=_body_time(path, source)))
    return recordings


def _json_or_none(path: Path) -> object:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        return None


def _body_time(path: Path, source: Source) -> datetime:
    """A bare body was received when its latest event happened (now, if it has none)."""
    try:
        events = Pipeline().parse(
            Delivery(source, path.read_bytes(), datetime.now(UTC)),
            now=datetime.now(UTC),
            verify=False,
        )
    except SourceError:
        events = []
    return max((e.occurred_at for e in events), default=datetime.now(UTC))


def replay_one(
    engine: Engine, pipeline: Pipeline, recording: Recording, *, create_projects: bool
) -> Replayed:
    now = recording.received_at
    delivery = Delivery(recording.source, recording.body, now, recording.headers)
    try:
        events: list[MonitorEvent] | SourceError = pipeline.parse(delivery, now=now)
    except SignatureError as error:
        return Replayed(recording, None, refused=f"{error.field}: {error.message}")
    except SourceError as error:
        events = error
    if create_projects and not isinstance(events, SourceError):
        ensure_projects(engine, _mentioned_handles(events), now=now)
    try:
        with engine.begin() as conn:
            if isinstance(events, SourceError):
                return Replayed(recording, pipeline.store_rejected(conn, delivery, events, now=now))
            return Replayed(recording, pipeline.accept(conn, delivery, events, now=now))
    except Exception as error:
        with engine.begin() as conn:
            return Replayed(recording, pipeline.store_failed(conn, delivery, error, now=now))


def _mentioned_handles(events: Iterable[MonitorEvent]) -> list[str]:
    found = {m.lower() for e in events for m in _CASE_HANDLE.findall(e.message)}
    return sorted(found)


def ensure_projects(engine: Engine, handles: Iterable[str], *, now: datetime) -> None:
    with engine.begin() as conn:
        service = ProjectService(conn, now=now)
        taken = {project.key for project in service.list()}
        for handle in handles:
            if isinstance(validate_project_handle(handle), str) and not service.by_handle(handle):
                key = _free_key(handle, taken)
                service.create(name=handle, key=key, handle=handle)
                taken.add(key)


def _free_key(handle: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Z0-9]", "", handle.upper())[:8] or "P"
    if base == "CASE":
        base = "CASEP"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}{n}"
    return key


# -- output --------------------------------------------------------------------------


def case_documents(engine: Engine) -> list[dict[str, Any]]:
    """Every case, oldest first, with its project handle and timeline."""
    with engine.connect() as conn:
        handles = {project.id: project.handle for project in ProjectReader(conn).list()}
        reader = CaseReader(conn)
        found = sorted(
            reader.list_cases(include_archived=True), key=lambda c: (c.created_at, c.key)
        )
        return [case_document(c, handles.get(c.project_id, ""), reader) for c in found]


def case_document(case: Case, handle: str, service: CaseReader) -> dict[str, Any]:
    return {
        "key": case.key,
        "project": handle,
        "title": case.title,
        "type": case.type,
        "status": case.status.value,
        "priority": case.priority.value,
        "attributes": {k: list(v) for k, v in case.attributes.items()},
        "creation_source": case.creation_source,
        "created_at": _time(case.created_at),
        "closed_at": _time(case.closed_at) if case.closed_at else None,
        "timeline": [
            {
                "kind": entry.kind,
                "transition": entry.transition,
                "actor": entry.actor.name or entry.actor.source,
                "body": entry.body,
                "data": dict(entry.data),
                "created_at": _time(entry.created_at),
            }
            for entry in service.timeline(case.id)
        ],
    }


def delivery_document(replayed: Replayed) -> dict[str, Any]:
    rec, report = replayed.recording, replayed.report
    doc: dict[str, Any] = {
        "file": str(rec.path) if rec.path else None,
        "source": rec.source.value,
        "received_at": _time(rec.received_at),
    }
    if report is None:
        doc.update({"inbox_id": None, "outcome": "refused", "reason": replayed.refused})
        return doc
    doc.update({"inbox_id": report.inbox_id, "outcome": report.outcome.value})
    if report.reason:
        doc["reason"] = report.reason
    if report.errors:
        doc["errors"] = list(report.errors)
    doc["events"] = [e.as_json() for e in report.events]
    return doc


def write_text(results: Sequence[Replayed], cases: Sequence[dict[str, Any]], out: TextIO) -> None:
    out.write("Deliveries\n")
    for r in results:
        doc = delivery_document(r)
        name = r.recording.path.name if r.recording.path else "-"
        inbox = f"#{doc['inbox_id']}" if doc["inbox_id"] is not None else "-"
        out.write(
            f"  {inbox:<5} {doc['received_at']}  {doc['source']:<12} {name}: {doc['outcome']}"
        )
        out.write(f" ({doc['reason']})\n" if doc.get("reason") else "\n")
        for event in doc.get("events", []):
            out.write(f"        {event['group']}: {_event_line(event)}\n")
    out.write("\nCases\n" if cases else "\nCases: none\n")
    for case in cases:
        out.write(
            f"  {case['key']}  {case['status']}  {case['priority']}  {case['title']}"
            f"  (@case-{case['project']})\n"
        )
        for entry in case["timeline"]:
            first_line = entry["body"].strip().splitlines()[0] if entry["body"].strip() else ""
            label = entry["transition"] or entry["kind"]
            out.write(f"    {entry['created_at']}  {label:<18} {first_line}\n")


def _event_line(event: dict[str, Any]) -> str:
    parts = [event.get("transition") or event["state"], event["outcome"]]
    for name in ("opened", "reopened", "appended", "closed", "noted"):
        if event.get(name):
            parts.append(f"{name} {', '.join(event[name])}")
    for skipped in event.get("skipped", []):
        parts.append(f"@case-{skipped['handle']}: {skipped['reason']}")
    if event.get("note"):
        parts.append(event["note"])
    return "; ".join(parts)


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
