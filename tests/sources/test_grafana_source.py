from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.events import MonitorEvent, Source
from bot.sources import GrafanaConfig, SignatureError, SourceError, SourcesConfig, parse_delivery
from bot.sources import recording as recordings
from bot.sources.grafana import sign, verify_signature
from handles.types import State
from tests.sources.builders import PAYLOADS, grafana_message, recorded_body, to_bytes

SECRET = "EXAMPLEgrafanaHMACsecret"
NOW = datetime(2026, 11, 20, 9, 58, 10, tzinfo=UTC)
BODY = b'{"receiver":"casebot","alerts":[]}\n'


def parse(body: dict[str, Any], config: GrafanaConfig | None = None) -> list[MonitorEvent]:
    sources = SourcesConfig(grafana=config or GrafanaConfig())
    return parse_delivery(Source.GRAFANA, to_bytes(body), config=sources)


def test_recorded_firing_payload() -> None:
    events = parse(recorded_body("grafana", "01-firing.json"))
    assert [e.group for e in events] == [
        "instance:web-1,severity:critical",
        "instance:web-2,severity:critical",
    ]
    first = events[0]
    assert (first.monitor_id, first.monitor_name, first.state) == (
        "ddk3xq9z0a1b2c",
        "DiskFull",
        State.ALERT,
    )
    assert first.values == {"B": 93.71, "C": 1, "value": 93.71}
    assert first.rendered is False
    assert "<<#is_alert>>@case-storage<</is_alert>>" in first.message
    assert first.attributes["org_id"] == "1"
    assert str(first.attributes["panel_url"]).endswith("viewPanel=3")
    assert first.link == "https://grafana.example.com/alerting/grafana/ddk3xq9z0a1b2c/view?orgId=1"
    assert "grafana_folder:Infrastructure" in first.tags


VALUES = [
    ("reduce-and-condition", {"B": 93.71, "C": 1}, None, 93.71),
    ("query-reduce-condition", {"A": 95.0, "B": 93.0, "C": 1}, None, 93.0),
    ("query-only", {"A": 12}, None, 12),
    ("condition-only", {"C": 1}, None, 1),
    ("configured-ref", {"A": 95.0, "B": 93.0, "C": 1}, "A", 95.0),
]


@pytest.mark.parametrize(
    ("values", "ref", "value"), [r[1:] for r in VALUES], ids=[r[0] for r in VALUES]
)
def test_value_is_the_reduced_number_before_the_condition(
    values: dict[str, float], ref: str | None, value: float
) -> None:
    (event,) = parse(grafana_message(values=values), GrafanaConfig(value_ref=ref))
    assert event.values == {**values, "value": value}


def test_alert_without_values_has_none() -> None:
    body = grafana_message()
    del body["alerts"][0]["values"]
    assert parse(body)[0].values == {}


def test_without_rule_uid_the_monitor_is_folder_and_name() -> None:
    body = grafana_message()
    del body["alerts"][0]["ruleUID"]
    assert parse(body)[0].monitor_id == "Infrastructure/DiskFull"


def test_datasource_no_data_is_no_data_for_the_rule() -> None:
    labels = {
        "alertname": "DatasourceNoData",
        "rulename": "DiskFull",
        "grafana_folder": "Infrastructure",
        "datasource_uid": "prom1",
        "ref_id": "A",
    }
    (event,) = parse(grafana_message(labels=labels))
    assert (event.state, event.monitor_name) == (State.NO_DATA, "DiskFull")
    assert event.group == "datasource_uid:prom1,ref_id:A"


def test_resolved_alert_is_ok() -> None:
    (event,) = parse(grafana_message(status="resolved", endsAt="2026-11-20T09:57:40Z"))
    assert (event.state, event.previous_state) == (State.OK, State.ALERT)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (grafana_message(values=[1, 2]), "alerts[0].values"),
        (grafana_message(values={"B": "93.7"}), "alerts[0].values.B"),
        (grafana_message(values={"B": True}), "alerts[0].values.B"),
        (grafana_message(ruleUID=7), "alerts[0].ruleUID"),
        ({"version": "4", "alerts": []}, "version"),
    ],
    ids=["values-array", "value-string", "value-bool", "rule-uid-number", "alertmanager-body"],
)
def test_malformed_grafana_payload_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(body)
    assert caught.value.field == field


# ---- signatures ---------------------------------------------------------------------------

SIGNED = GrafanaConfig(secret=SECRET)
STAMPED = GrafanaConfig(secret=SECRET, timestamp_header="X-Grafana-Alerting-Timestamp")
TS = str(int(NOW.timestamp()))


def test_signature_over_the_body_is_accepted() -> None:
    headers = {"X-Grafana-Alerting-Signature": sign(BODY, SECRET)}
    verify_signature(BODY, headers, config=SIGNED, now=NOW)


def test_header_names_are_case_insensitive_and_hex_case_does_not_matter() -> None:
    headers = {"x-grafana-alerting-signature": sign(BODY, SECRET).upper()}
    verify_signature(BODY, headers, config=SIGNED, now=NOW)


def test_signature_with_timestamp_is_accepted() -> None:
    headers = {
        "X-Grafana-Alerting-Signature": sign(BODY, SECRET, timestamp=TS),
        "X-Grafana-Alerting-Timestamp": TS,
    }
    verify_signature(BODY, headers, config=STAMPED, now=NOW + timedelta(seconds=299))


def test_no_secret_means_no_check() -> None:
    verify_signature(BODY, {}, config=GrafanaConfig(), now=NOW)


def test_custom_signature_header() -> None:
    config = GrafanaConfig(secret=SECRET, signature_header="X-Signature")
    verify_signature(BODY, {"X-Signature": sign(BODY, SECRET)}, config=config, now=NOW)
    with pytest.raises(SignatureError) as caught:
        verify_signature(
            BODY, {"X-Grafana-Alerting-Signature": sign(BODY, SECRET)}, config=config, now=NOW
        )
    assert caught.value.field == "headers.X-Signature"


SIG, STAMP = "X-Grafana-Alerting-Signature", "X-Grafana-Alerting-Timestamp"
SIG_FIELD, STAMP_FIELD = f"headers.{SIG}", f"headers.{STAMP}"


def stamped(timestamp: str = TS, *, signed: str | None = None) -> dict[str, str]:
    """Headers of a timestamped delivery; `signed` is the timestamp the signature covers."""
    covered = timestamp if signed is None else signed
    return {SIG: sign(BODY, SECRET, timestamp=covered), STAMP: timestamp}


LATER, EARLIER = NOW + timedelta(seconds=301), NOW - timedelta(seconds=301)
BAD = [
    ("missing", SIGNED, {}, NOW, SIG_FIELD),
    ("wrong-secret", SIGNED, {SIG: sign(BODY, "other")}, NOW, SIG_FIELD),
    ("other-body", SIGNED, {SIG: sign(BODY + b" ", SECRET)}, NOW, SIG_FIELD),
    ("prefixed", SIGNED, {SIG: "sha256=" + sign(BODY, SECRET)}, NOW, SIG_FIELD),
    (
        "body-only-when-timestamp-expected",
        STAMPED,
        {SIG: sign(BODY, SECRET), STAMP: TS},
        NOW,
        SIG_FIELD,
    ),
    ("timestamp-not-the-signed-one", STAMPED, stamped(signed=str(int(TS) - 1)), NOW, SIG_FIELD),
    ("timestamp-missing", STAMPED, {SIG: sign(BODY, SECRET, timestamp=TS)}, NOW, STAMP_FIELD),
    ("timestamp-garbage", STAMPED, stamped("x"), NOW, STAMP_FIELD),
    ("timestamp-huge", STAMPED, stamped("9" * 30), NOW, STAMP_FIELD),
    ("timestamp-negative", STAMPED, stamped("-5"), NOW, STAMP_FIELD),
    ("stale", STAMPED, stamped(), LATER, STAMP_FIELD),
    ("from-the-future", STAMPED, stamped(), EARLIER, STAMP_FIELD),
]


@pytest.mark.parametrize(
    ("config", "headers", "now", "field"), [r[1:] for r in BAD], ids=[r[0] for r in BAD]
)
def test_bad_signatures_are_rejected_naming_the_header(
    config: GrafanaConfig, headers: dict[str, str], now: datetime, field: str
) -> None:
    with pytest.raises(SignatureError) as caught:
        verify_signature(BODY, headers, config=config, now=now)
    assert caught.value.field == field


def test_recorded_signed_delivery_verifies_at_its_received_time() -> None:
    recorded = recordings.load(PAYLOADS / "grafana" / "02-resolved-signed.json")
    verify_signature(recorded.body, recorded.headers, config=STAMPED, now=recorded.received_at)
    events = parse_delivery(Source.GRAFANA, recorded.body, recorded.headers)
    assert [e.state for e in events] == [State.OK, State.OK]
    with pytest.raises(SignatureError):
        verify_signature(
            recorded.body + b" ", recorded.headers, config=STAMPED, now=recorded.received_at
        )
