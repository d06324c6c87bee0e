from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sources import SourcesConfig
from bot.sources.config import DEFAULT_SEVERITY_STATES, ConfigError
from handles.types import State


def test_defaults_without_environment() -> None:
    config = SourcesConfig.from_env({})
    assert config == SourcesConfig()
    assert config.alertmanager.message_annotation == "message"
    assert config.alertmanager.severity_states == DEFAULT_SEVERITY_STATES
    assert config.grafana.secret is None
    assert config.grafana.max_skew == timedelta(minutes=5)


def test_every_setting_is_read() -> None:
    config = SourcesConfig.from_env(
        {
            "CASEBOT_ALERTMANAGER_MESSAGE_ANNOTATION": "casebot",
            "CASEBOT_ALERTMANAGER_TITLE_ANNOTATION": "title",
            "CASEBOT_ALERTMANAGER_GROUP_EXCLUDE_LABELS": "severity, prometheus",
            "CASEBOT_ALERTMANAGER_PRIORITY_LABEL": "prio",
            "CASEBOT_GRAFANA_SECRET": "s3cret",
            "CASEBOT_GRAFANA_SIGNATURE_HEADER": "X-Sig",
            "CASEBOT_GRAFANA_TIMESTAMP_HEADER": "X-Ts",
            "CASEBOT_GRAFANA_MAX_SKEW_SECONDS": "60",
            "CASEBOT_GRAFANA_VALUE_REF": "A",
            "CASEBOT_GRAFANA_SEVERITY_MAP": "sev1=Alert",
        }
    )
    am = config.alertmanager
    assert (am.message_annotation, am.title_annotation, am.priority_label) == (
        "casebot",
        "title",
        "prio",
    )
    assert am.group_exclude_labels == frozenset({"severity", "prometheus"})
    grafana = config.grafana
    assert (grafana.secret, grafana.signature_header, grafana.timestamp_header) == (
        "s3cret",
        "X-Sig",
        "X-Ts",
    )
    assert grafana.max_skew == timedelta(seconds=60)
    assert grafana.value_ref == "A"
    assert grafana.labels.severity_states == {"sev1": State.ALERT}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CASEBOT_ALERTMANAGER_SEVERITY_MAP", "critical"),
        ("CASEBOT_ALERTMANAGER_SEVERITY_MAP", "critical=Red"),
        ("CASEBOT_ALERTMANAGER_SEVERITY_MAP", "critical=OK"),
        ("CASEBOT_ALERTMANAGER_FIRING_DEFAULT", "OK"),
        ("CASEBOT_GRAFANA_MAX_SKEW_SECONDS", "5m"),
    ],
    ids=["no-state", "unknown-state", "ok-is-not-firing", "default-ok", "skew-not-seconds"],
)
def test_bad_settings_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        SourcesConfig.from_env({variable: value})
