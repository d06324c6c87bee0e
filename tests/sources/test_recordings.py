"""Every recorded delivery in tests/payloads/ parses to the events its README promises."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from bot.core.events import Source
from bot.sources import BodyNotJSON, SourceError, parse_delivery
from bot.sources import recording as recordings
from bot.sources.recording import Recording, RecordingError
from tests.sources.builders import PAYLOADS

A, W, N, OK = "Alert", "Warn", "No Data", "OK"
WEB1 = "instance:web-1,job:node,mountpoint:/,severity:critical"
WEB2 = "instance:web-2,job:node,mountpoint:/,severity:critical"
CRIT = "instance:api-1,job:node,severity:critical,team:web"
WARN = "instance:api-1,job:node,severity:warning,team:web"
GF1, GF2 = "instance:web-1,severity:critical", "instance:web-2,severity:critical"

# file -> [(group, state, renotify)] for the events it holds, or the field it is rejected for.
EXPECTED: dict[str, list[tuple[str, str, bool]] | str] = {
    "alertmanager-grouped/01-firing.json": [(WEB1, A, False), (WEB2, A, False)],
    "alertmanager-grouped/02-partly-resolved.json": [(WEB1, OK, False), (WEB2, A, False)],
    "alertmanager-grouped/03-all-resolved.json": [(WEB1, OK, False), (WEB2, OK, False)],
    "alertmanager-lost-resolve/01-firing.json": [(WEB1, A, False)],
    "alertmanager-lost-resolve/02-firing-again.json": [(WEB1, A, False)],
    "alertmanager-lost-resolve/03-resolved.json": [(WEB1, OK, False)],
    "alertmanager-severity/01-warning-firing.json": [(WARN, W, False)],
    "alertmanager-severity/02-critical-firing.json": [(CRIT, A, False), (WARN, W, False)],
    "alertmanager-severity/03-critical-resolved.json": [(CRIT, OK, False), (WARN, W, False)],
    "alertmanager-severity/04-all-resolved.json": [(CRIT, OK, False), (WARN, OK, False)],
    "datadog-default-alert-renotify-recovery/01-triggered.json": [("host:web-1", A, False)],
    "datadog-default-alert-renotify-recovery/02-re-triggered.json": [("host:web-1", A, True)],
    "datadog-default-alert-renotify-recovery/03-recovered.json": [("host:web-1", OK, False)],
    "datadog-default-gated-handles/01-no-data.json": [("*", N, False)],
    "datadog-default-gated-handles/02-recovered.json": [("*", OK, False)],
    "datadog-default-gated-handles/03-triggered.json": [("*", A, False)],
    "datadog-default-gated-handles/04-recovered.json": [("*", OK, False)],
    "datadog-default-several-groups/01-triggered-web-1.json": [("env:prod,host:web-1", A, False)],
    "datadog-default-several-groups/02-triggered-web-2.json": [("env:prod,host:web-2", A, False)],
    "datadog-default-several-groups/03-triggered-web-3.json": [("env:prod,host:web-3", A, False)],
    "datadog-default-several-groups/04-recovered-web-2.json": [("env:prod,host:web-2", OK, False)],
    "datadog-default-warn-alert-recovery/01-warn.json": [("host:db-1", W, False)],
    "datadog-default-warn-alert-recovery/02-triggered.json": [("host:db-1", A, False)],
    "datadog-default-warn-alert-recovery/03-recovered.json": [("host:db-1", OK, False)],
    "datadog-rich-cycle/01-triggered.json": [("host:web-1", A, False)],
    "datadog-rich-cycle/02-triggered-retry.json": [("host:web-1", A, False)],
    "datadog-rich-cycle/03-re-triggered.json": [("host:web-1", A, True)],
    "datadog-rich-cycle/04-recovered.json": [("host:web-1", OK, False)],
    "datadog-rich-cycle/05-late-re-triggered.json": [("host:web-1", A, True)],
    "datadog-rich-warn-alert-no-data/01-warn.json": [("service:checkout", W, False)],
    "datadog-rich-warn-alert-no-data/02-triggered.json": [("service:checkout", A, False)],
    "datadog-rich-warn-alert-no-data/03-no-data.json": [("service:checkout", N, False)],
    "datadog-rich-warn-alert-no-data/04-recovered.json": [("service:checkout", OK, False)],
    "generic/01-alert.json": [("env:prod,service:orders", A, False)],
    "generic/02-renotify.json": [("env:prod,service:orders", A, True)],
    "generic/03-ok.json": [("env:prod,service:orders", OK, False)],
    "grafana/01-firing.json": [(GF1, A, False), (GF2, A, False)],
    "grafana/02-resolved-signed.json": [(GF1, OK, False), (GF2, OK, False)],
    "malformed/01-datadog-not-json.json": "body",
    "malformed/02-datadog-empty-body.json": "body",
    "malformed/03-datadog-array.json": "body",
    "malformed/04-datadog-missing-title.json": "title",
    "malformed/05-datadog-title-without-transition.json": "title",
    "malformed/06-datadog-rich-unknown-transition.json": "alert_transition",
    "malformed/07-datadog-no-monitor-link.json": "body",
    "malformed/08-datadog-bad-date.json": "date",
    "malformed/09-alertmanager-grafana-body.json": "version",
    "malformed/10-alertmanager-missing-alertname.json": "alerts[1].labels.alertname",
    "malformed/11-alertmanager-bad-startsat.json": "alerts[0].startsAt",
    "malformed/12-alertmanager-alerts-not-array.json": "alerts",
    "malformed/13-grafana-value-not-number.json": "alerts[0].values.B",
    "malformed/14-generic-missing-state.json": "state",
    "malformed/15-generic-unknown-field.json": "state",
    "malformed/16-generic-bad-state.json": "state",
    "malformed/17-generic-timestamp-without-offset.json": "timestamp",
}
NOT_JSON = {"malformed/01-datadog-not-json.json", "malformed/02-datadog-empty-body.json"}


def _name(path: Path) -> str:
    return path.relative_to(PAYLOADS).as_posix()


ALL = recordings.expand([PAYLOADS])


def test_every_recorded_file_has_an_expectation() -> None:
    assert sorted(_name(p) for p in ALL) == sorted(EXPECTED)


@pytest.mark.parametrize("path", ALL, ids=_name)
def test_recorded_delivery_parses_as_expected(path: Path) -> None:
    recorded = recordings.load(path)
    expected = EXPECTED[_name(path)]
    if isinstance(expected, str):
        kind = BodyNotJSON if _name(path) in NOT_JSON else SourceError
        with pytest.raises(kind) as caught:
            parse_delivery(recorded.source, recorded.body, recorded.headers)
        assert caught.value.field == expected
        return
    events = parse_delivery(recorded.source, recorded.body, recorded.headers)
    assert [(e.group, e.state.value, e.renotify) for e in events] == expected
    for event in events:
        assert event.source is recorded.source
        # A delivery never describes a transition after it arrived.
        assert event.occurred_at <= recorded.received_at


def test_folder_is_read_in_file_name_order() -> None:
    folder = PAYLOADS / "datadog-rich-cycle"
    names = [r.path.name for r in recordings.load_all([folder]) if r.path is not None]
    assert names == sorted(names) and names[0] == "01-triggered.json" and len(names) == 5


def test_scenarios_run_forward_in_time() -> None:
    for folder in sorted(p for p in PAYLOADS.iterdir() if p.is_dir()):
        times = [r.received_at for r in recordings.load_all([folder])]
        if folder.name != "malformed":
            assert times == sorted(times), folder.name


def test_string_body_is_kept_byte_for_byte_and_object_body_is_reencoded() -> None:
    raw = recordings.from_json(
        {
            "source": "grafana",
            "received_at": "2026-11-20T09:00:00Z",
            "headers": {},
            "body": '{"a": 1}\n',
        }
    )
    assert raw.body == b'{"a": 1}\n'
    decoded = recordings.from_json(
        {"source": "generic", "received_at": "2026-11-20T09:00:00Z", "body": {"a": 1}}
    )
    assert decoded.body == b'{"a":1}'
    assert decoded.headers == {}
    assert decoded.received_at == datetime(2026, 11, 20, 9, tzinfo=UTC)


def test_to_json_round_trips() -> None:
    for path in ALL:
        recorded = recordings.load(path)
        again = recordings.from_json(recordings.to_json(recorded))
        assert (again.source, again.received_at, again.body, dict(again.headers)) == (
            recorded.source,
            recorded.received_at,
            recorded.body,
            dict(recorded.headers),
        )


def test_bare_body_file(tmp_path: Path) -> None:
    path = tmp_path / "body.json"
    path.write_bytes(b'{"x": 1}')
    at = datetime(2026, 11, 20, tzinfo=UTC)
    assert recordings.bare(path, source=Source.DATADOG, received_at=at) == Recording(
        source=Source.DATADOG, received_at=at, body=b'{"x": 1}', path=path
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "not JSON"),
        (b"[]", "recording: expected an object"),
        (b'{"source": "nagios", "received_at": "2026-11-20T09:00:00Z", "body": {}}', "source"),
        (b'{"source": "generic", "received_at": "today", "body": {}}', "received_at"),
        (b'{"source": "generic", "received_at": "2026-11-20T09:00:00Z"}', "body: is missing"),
        (b'{"source": "generic", "received_at": "2026-11-20T09:00:00Z", '
         b'"headers": {"a": 1}, "body": {}}', "headers.a"),
    ],
    ids=["not-json", "array", "unknown-source", "bad-time", "no-body", "header-not-string"],
)  # fmt: skip
def test_bad_recording_names_file_and_field(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(RecordingError, match=message) as caught:
        recordings.load(path)
    assert str(path) in str(caught.value)


def test_parse_delivery_accepts_bytes_text_and_decoded_bodies() -> None:
    recorded = recordings.load(PAYLOADS / "generic" / "01-alert.json")
    as_bytes = parse_delivery(Source.GENERIC, recorded.body)
    assert parse_delivery(Source.GENERIC, recorded.body.decode()) == as_bytes
    assert parse_delivery(Source.GENERIC, orjson.loads(recorded.body)) == as_bytes
