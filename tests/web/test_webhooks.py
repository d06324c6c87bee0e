"""The webhook endpoints, driven over HTTP at a real server (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from bot.db.inbox import inbox
from bot.settings import ConfigError, Settings
from bot.sources.config import GrafanaConfig, SourcesConfig
from bot.web.app import create_app
from tests import local_http
from tests.engine.builders import (
    add_project,
    case_rows,
    count,
    generic_body,
    inbox_rows,
    timeline_count,
)
from tests.web.server import running

TOKEN = "test-webhook-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SHARED = Path(__file__).resolve().parents[1] / "senders"
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"


@pytest.fixture
def base_url(engine: Engine, migrated_database_url: str) -> Iterator[str]:
    add_project(engine)
    settings = Settings(database_url=migrated_database_url, webhook_token=TOKEN, replica="web-1")
    with running(create_app(settings)) as url:
        yield url


def post(base_url: str, source: str, body: bytes, **kwargs: object) -> httpx.Response:
    headers = kwargs.pop("headers", AUTH)
    return local_http.post(f"{base_url}/webhooks/{source}", content=body, headers=headers, **kwargs)  # type: ignore[arg-type]


def test_accepted_delivery_answers_202_after_storing_and_opens_a_case(
    base_url: str, engine: Engine
) -> None:
    response = post(base_url, "generic", generic_body(delivery_id="d-1"))
    assert response.status_code == 202
    inbox_id = response.json()["inbox_id"]
    assert response.json()["outcome"] == "processed"
    (row,) = inbox_rows(engine)
    assert (row.id, row.source, row.outcome) == (inbox_id, "generic", "processed")
    assert row.body == generic_body(delivery_id="d-1")
    assert "authorization" not in row.headers
    (case,) = case_rows(engine)
    assert (case.key, case.status, case.creation_source) == ("OPS-1", "OPEN", "MONITOR")
    assert case.title == "Disk full on host:web-1"


@pytest.mark.parametrize(
    "headers, query",
    [
        pytest.param({}, "", id="no-token"),
        pytest.param({"Authorization": "Bearer nope"}, "", id="wrong-bearer"),
        pytest.param({"Authorization": f"Basic {TOKEN}"}, "", id="not-bearer"),
        pytest.param({}, "?token=nope", id="wrong-query-token"),
    ],
)
def test_wrong_token_is_401_and_nothing_is_stored(
    base_url: str, engine: Engine, headers: dict[str, str], query: str
) -> None:
    response = local_http.post(
        f"{base_url}/webhooks/generic{query}", content=generic_body(), headers=headers
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "headers.Authorization"
    assert count(engine, inbox) == 0


def test_token_in_query_is_accepted(base_url: str) -> None:
    response = local_http.post(f"{base_url}/webhooks/generic?token={TOKEN}", content=generic_body())
    assert response.status_code == 202


def test_body_that_is_not_json_is_400_and_kept_as_rejected(base_url: str, engine: Engine) -> None:
    response = post(base_url, "datadog", b"{not json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
    (row,) = inbox_rows(engine)
    assert (row.outcome, row.body, row.id) == (
        "rejected",
        b"{not json",
        response.json()["inbox_id"],
    )
    assert "not JSON" in row.reason


def test_wrong_shape_is_422_naming_the_field(base_url: str, engine: Engine) -> None:
    response = post(
        base_url, "generic", b'{"monitor": {"id": "m"}, "timestamp": "2026-11-20T09:00:00Z"}'
    )
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert "state" in fields
    assert [row.outcome for row in inbox_rows(engine)] == ["rejected"]
    assert case_rows(engine) == []


def test_unknown_source_is_404(base_url: str) -> None:
    assert post(base_url, "nagios", generic_body()).status_code == 404


def test_same_delivery_id_twice_changes_nothing(base_url: str, engine: Engine) -> None:
    first = post(base_url, "generic", generic_body(delivery_id="d-1"))
    entries = timeline_count(engine)
    again = post(base_url, "generic", generic_body(delivery_id="d-1"))
    assert again.status_code == 202
    assert again.json()["outcome"] == "duplicate"
    assert again.json()["inbox_id"] != first.json()["inbox_id"]
    assert timeline_count(engine) == entries
    assert len(case_rows(engine)) == 1


def test_same_group_state_and_time_without_id_changes_nothing(
    base_url: str, engine: Engine
) -> None:
    post(base_url, "generic", generic_body(delivery_id="a"))
    entries = timeline_count(engine)
    again = post(base_url, "generic", generic_body(delivery_id="b"))
    assert again.json()["outcome"] == "duplicate"
    assert timeline_count(engine) == entries


def test_datadog_redelivery_is_a_duplicate(base_url: str, engine: Engine) -> None:
    add_project(engine, "storage", "STO")
    body = (SHARED / "datadog-default-triggered.json").read_bytes()
    assert post(base_url, "datadog", body).json()["outcome"] == "processed"
    entries = timeline_count(engine)
    assert post(base_url, "datadog", body).json()["outcome"] == "duplicate"
    assert timeline_count(engine) == entries
    assert [c.key for c in case_rows(engine)] == ["STO-1"]


def test_concurrent_first_alerts_for_one_group_open_one_case(base_url: str, engine: Engine) -> None:
    senders = 12
    barrier = threading.Barrier(senders)
    statuses: list[int] = []

    def send(n: int) -> None:
        body = generic_body(at=f"2026-11-20T09:00:{n:02d}Z", delivery_id=f"burst-{n}")
        with local_http.Client() as client:
            barrier.wait()
            statuses.append(
                client.post(f"{base_url}/webhooks/generic", content=body, headers=AUTH).status_code
            )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [202] * senders
    assert [c.key for c in case_rows(engine)] == ["OPS-1"]
    assert count(engine, inbox) == senders


def test_healthz_and_metrics(base_url: str) -> None:
    post(base_url, "generic", generic_body())
    post(base_url, "generic", b"[]")
    assert local_http.get(f"{base_url}/healthz").json() == {"status": "ok"}
    metrics = local_http.get(f"{base_url}/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    # Read as Prometheus reads it: label order within a sample is not significant.
    samples = _samples(metrics.text)
    # Every sample names the replica (CASEBOT_REPLICA_NAME): "web-1" here.
    assert all('replica="web-1"' in key for key in samples), samples
    one = 'replica="web-1"'
    assert samples[f'casebot_deliveries_total{{outcome="processed",{one},source="generic"}}'] == 1
    assert samples[f'casebot_deliveries_total{{outcome="rejected",{one},source="generic"}}'] == 1
    assert samples[f"casebot_cases_opened_total{{{one}}}"] == 1
    assert samples[f'casebot_processing_seconds_bucket{{le="+Inf",{one}}}'] == 2
    assert samples[f"casebot_writer_queue_depth{{{one}}}"] == 0
    assert samples[f"casebot_slack_outbox_pending{{{one}}}"] == 0
    assert samples[f"casebot_slack_outbox_oldest_pending_seconds{{{one}}}"] == 0


def _samples(exposition: str) -> dict[str, float]:
    """Every sample of a Prometheus text exposition, keyed `name{label="value",…}` with
    the labels in name order."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def test_grafana_signature_that_does_not_verify_is_401_and_not_stored(
    engine: Engine, migrated_database_url: str
) -> None:
    settings = Settings(
        database_url=migrated_database_url,
        webhook_token=TOKEN,
        sources=SourcesConfig(grafana=GrafanaConfig(secret="grafana-secret")),
    )
    body = (SHARED / "grafana-firing.json").read_bytes()
    with running(create_app(settings)) as url:
        unsigned = post(url, "grafana", body)
        forged = post(url, "grafana", body, headers={**AUTH, "X-Grafana-Alerting-Signature": "00"})
    assert (unsigned.status_code, forged.status_code) == (401, 401)
    assert count(engine, inbox) == 0


def test_token_is_generated_once_and_stored(engine: Engine, migrated_database_url: str) -> None:
    settings = Settings(database_url=migrated_database_url)
    app = create_app(settings)
    with running(app) as url:
        token = app.state.casebot.token
        assert len(token) >= 24
        assert (
            post(
                url, "generic", generic_body(), headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 202
        )
    again = create_app(settings)
    with running(again):
        assert again.state.casebot.token == token


def test_body_over_the_limit_is_413_and_not_stored(
    engine: Engine, migrated_database_url: str
) -> None:
    settings = Settings(database_url=migrated_database_url, webhook_token=TOKEN, max_body_bytes=64)
    with running(create_app(settings)) as url:
        response = post(url, "generic", generic_body())
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "body"
    assert count(engine, inbox) == 0


def test_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "CASEBOT_DATABASE_URL": "sqlite:///x.db",
            "CASEBOT_WEBHOOK_TOKEN": TOKEN,
            "CASEBOT_PUBLIC_URL": "https://casebot.example.com/",
            "CASEBOT_INGEST_BATCH": "8",
        },
        database_url="sqlite:///flag.db",
    )
    assert settings.database_url == "sqlite:///flag.db"
    assert settings.public_url == "https://casebot.example.com"
    assert (settings.webhook_token, settings.batch_size) == (TOKEN, 8)


def test_a_replica_is_named_by_the_environment_else_by_its_host() -> None:
    import socket

    assert Settings.from_env({"CASEBOT_REPLICA_NAME": "casebot-2"}).replica == "casebot-2"
    assert Settings.from_env({}).replica == socket.gethostname()
    lease = Settings.from_env({"CASEBOT_SLACK_LEASE": "30", "CASEBOT_SLACK_TIMEOUT": "5"})
    assert (lease.slack.lease, lease.slack.timeout) == (30.0, 5.0)


def test_the_lock_wait_and_the_shutdown_bound_have_one_default_each() -> None:
    assert (Settings.from_env({}).sqlite_lock_wait, Settings().sqlite_lock_wait) == (5.0, 5.0)
    assert (Settings.from_env({}).shutdown_seconds, Settings().shutdown_seconds) == (10.0, 10.0)
    given = Settings.from_env({"CASEBOT_SQLITE_LOCK_WAIT": "0.5", "CASEBOT_SHUTDOWN_SECONDS": "25"})
    assert (given.sqlite_lock_wait, given.shutdown_seconds) == (0.5, 25.0)


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({"CASEBOT_WEBHOOK_TOKEN": "short"}, id="short-token"),
        pytest.param({"CASEBOT_PUBLIC_URL": "casebot.example.com"}, id="url-without-scheme"),
        pytest.param({"CASEBOT_INGEST_BATCH": "0"}, id="batch-zero"),
        pytest.param({"CASEBOT_MAX_BODY_BYTES": "lots"}, id="size-not-a-number"),
        pytest.param({"CASEBOT_REPLICA_NAME": "a b"}, id="replica-name-with-a-space"),
        pytest.param({"CASEBOT_SQLITE_LOCK_WAIT": "0"}, id="lock-wait-zero"),
        pytest.param({"CASEBOT_SQLITE_LOCK_WAIT": "nan"}, id="lock-wait-not-a-number"),
        pytest.param({"CASEBOT_SHUTDOWN_SECONDS": "ten"}, id="shutdown-not-a-number"),
        pytest.param({"CASEBOT_SHUTDOWN_SECONDS": "-1"}, id="shutdown-negative"),
        pytest.param(
            {"CASEBOT_SLACK_LEASE": "5", "CASEBOT_SLACK_TIMEOUT": "10"},
            id="lease-shorter-than-two-calls",
        ),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=next(iter(env))):
        Settings.from_env(env)
