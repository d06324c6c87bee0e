"""How each alert source is read, with defaults that suit the senders' usual setup.

The web and CLI layers build a `SourcesConfig` once (`SourcesConfig.from_env(os.environ)`)
and pass it to `parse_delivery`; parsers never read the environment themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.core.downtime_schedule import parse_duration
from handles.types import State

# Which non-OK state a firing alert stands for, by its `severity` label (lower-cased).
# Names follow the spellings common in Prometheus rule sets; anything else, or no
# severity label at all, is `firing_default`.
DEFAULT_SEVERITY_STATES: Mapping[str, State] = {
    "critical": State.ALERT,
    "crit": State.ALERT,
    "error": State.ALERT,
    "page": State.ALERT,
    "high": State.ALERT,
    "major": State.ALERT,
    "warning": State.WARN,
    "warn": State.WARN,
    "medium": State.WARN,
    "minor": State.WARN,
    "low": State.WARN,
    "info": State.WARN,
}

STATE_NAMES: Mapping[str, State] = {state.value.lower(): state for state in State} | {
    "nodata": State.NO_DATA,
    "no_data": State.NO_DATA,
}


class ConfigError(ValueError):
    """A setting (named by its environment variable) with a value casebot cannot use."""


@dataclass(frozen=True, slots=True)
class LabelSourceConfig:
    """Alertmanager and Grafana: both turn labelled alerts into monitor group events."""

    # The annotation holding the notification text casebot renders (`<<#is_alert>>…`).
    message_annotation: str = "message"
    # The annotation used as the event title; absent -> monitor name and group.
    title_annotation: str = "summary"
    severity_label: str = "severity"
    severity_states: Mapping[str, State] = field(
        default_factory=lambda: dict(DEFAULT_SEVERITY_STATES)
    )
    firing_default: State = State.ALERT
    # A label holding the monitor priority (`P1`…`P5` or `1`…`5`).
    priority_label: str = "priority"
    # Labels left out of the group key (they still become tags). Empty by default so
    # that one group is one alert fingerprint; see docs/alerts/alertmanager.md on `severity`.
    group_exclude_labels: frozenset[str] = frozenset()

    def firing_state(self, labels: Mapping[str, str]) -> State:
        severity = labels.get(self.severity_label, "").strip().lower()
        return self.severity_states.get(severity, self.firing_default)


@dataclass(frozen=True, slots=True)
class GrafanaConfig:
    labels: LabelSourceConfig = field(default_factory=LabelSourceConfig)
    # HMAC-SHA256 secret of the contact point; None = deliveries are not verified.
    secret: str | None = None
    signature_header: str = "X-Grafana-Alerting-Signature"
    # Grafana sends no timestamp unless one is named in the contact point.
    timestamp_header: str | None = None
    max_skew: timedelta = timedelta(minutes=5)
    # The refID reported as `value`; None = the last refID before the condition.
    value_ref: str | None = None
    condition_ref: str = "C"


# How often each sender repeats a notification while a group stays in Alert or Warn:
# Alertmanager's and Grafana's `repeat_interval` (4 h by default). Datadog renotifies
# only if the monitor says so, and casebot's own events not at all: None, never stale.
DEFAULT_REPEAT_INTERVALS: Mapping[str, timedelta | None] = {
    "alertmanager": timedelta(hours=4),
    "grafana": timedelta(hours=4),
    "datadog": None,
    "generic": None,
}
DEFAULT_STALE_AFTER_REPEATS = 3


@dataclass(frozen=True, slots=True)
class StaleConfig:
    """When a group in Alert or Warn that nobody notified is stale: after `repeats` of its
    source's repeat interval without a notification."""

    repeat_intervals: Mapping[str, timedelta | None] = field(
        default_factory=lambda: dict(DEFAULT_REPEAT_INTERVALS)
    )
    repeats: int = DEFAULT_STALE_AFTER_REPEATS

    def after(self, source: str) -> timedelta | None:
        interval = self.repeat_intervals.get(source)
        return interval * self.repeats if interval is not None else None


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    alertmanager: LabelSourceConfig = field(default_factory=LabelSourceConfig)
    grafana: GrafanaConfig = field(default_factory=GrafanaConfig)
    stale: StaleConfig = field(default_factory=StaleConfig)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SourcesConfig:
        """Read the `CASEBOT_ALERTMANAGER_*` and `CASEBOT_GRAFANA_*` settings, as
        docs/configuration.md lists them."""
        grafana_labels = _labels_from_env(environ, "CASEBOT_GRAFANA_")
        max_skew = environ.get("CASEBOT_GRAFANA_MAX_SKEW_SECONDS", "300")
        if not max_skew.isdigit():
            raise ConfigError(
                f"CASEBOT_GRAFANA_MAX_SKEW_SECONDS: expected seconds, got {max_skew!r}"
            )
        return cls(
            alertmanager=_labels_from_env(environ, "CASEBOT_ALERTMANAGER_"),
            grafana=GrafanaConfig(
                labels=grafana_labels,
                secret=environ.get("CASEBOT_GRAFANA_SECRET") or None,
                signature_header=environ.get(
                    "CASEBOT_GRAFANA_SIGNATURE_HEADER", "X-Grafana-Alerting-Signature"
                ),
                timestamp_header=environ.get("CASEBOT_GRAFANA_TIMESTAMP_HEADER") or None,
                max_skew=timedelta(seconds=int(max_skew)),
                value_ref=environ.get("CASEBOT_GRAFANA_VALUE_REF") or None,
                condition_ref=environ.get("CASEBOT_GRAFANA_CONDITION_REF", "C"),
            ),
            stale=_stale_from_env(environ),
        )


def _stale_from_env(environ: Mapping[str, str]) -> StaleConfig:
    intervals = dict(DEFAULT_REPEAT_INTERVALS)
    for source in intervals:
        name = f"CASEBOT_{source.upper()}_REPEAT_INTERVAL"
        text = environ.get(name, "").strip()
        if not text:
            continue
        if text in ("0", "off"):
            intervals[source] = None
            continue
        length = parse_duration(text)
        if not isinstance(length, timedelta):
            raise ConfigError(f"{name}: {length.message}; or 0 for a sender that never repeats")
        intervals[source] = length
    repeats = environ.get("CASEBOT_STALE_AFTER_REPEATS", str(DEFAULT_STALE_AFTER_REPEATS))
    if not repeats.strip().isdigit() or int(repeats) < 1:
        raise ConfigError(f"CASEBOT_STALE_AFTER_REPEATS: expected a whole number, got {repeats!r}")
    return StaleConfig(intervals, int(repeats))


def parse_severity_states(text: str, variable: str) -> dict[str, State]:
    """`critical=Alert,warning=Warn,info=No Data` -> {severity: State}."""
    states: dict[str, State] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        severity, sep, state_name = item.partition("=")
        state = STATE_NAMES.get(state_name.strip().lower())
        if not sep or not severity.strip() or state is None or state is State.OK:
            raise ConfigError(
                f"{variable}: {item.strip()!r} is not `severity=State` with State one of "
                "Alert, Warn, No Data, Unknown"
            )
        states[severity.strip().lower()] = state
    return states


def _labels_from_env(environ: Mapping[str, str], prefix: str) -> LabelSourceConfig:
    defaults = LabelSourceConfig()
    severity_map = environ.get(f"{prefix}SEVERITY_MAP")
    firing_default_name = environ.get(f"{prefix}FIRING_DEFAULT", defaults.firing_default.value)
    firing_default = STATE_NAMES.get(firing_default_name.strip().lower())
    if firing_default is None or firing_default is State.OK:
        raise ConfigError(
            f"{prefix}FIRING_DEFAULT: expected Alert, Warn, No Data or Unknown, "
            f"got {firing_default_name!r}"
        )
    exclude = environ.get(f"{prefix}GROUP_EXCLUDE_LABELS", "")
    return LabelSourceConfig(
        message_annotation=environ.get(f"{prefix}MESSAGE_ANNOTATION", defaults.message_annotation),
        title_annotation=environ.get(f"{prefix}TITLE_ANNOTATION", defaults.title_annotation),
        severity_label=environ.get(f"{prefix}SEVERITY_LABEL", defaults.severity_label),
        severity_states=(
            parse_severity_states(severity_map, f"{prefix}SEVERITY_MAP")
            if severity_map is not None
            else dict(DEFAULT_SEVERITY_STATES)
        ),
        firing_default=firing_default,
        priority_label=environ.get(f"{prefix}PRIORITY_LABEL", defaults.priority_label),
        group_exclude_labels=frozenset(name.strip() for name in exclude.split(",") if name.strip()),
    )
