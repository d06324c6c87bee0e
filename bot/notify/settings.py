"""Notification settings, from `CASEBOT_NOTIFY_*`, `CASEBOT_SMTP_*` and
`CASEBOT_PAGERDUTY_EVENTS_URL` (docs/notifications.md lists them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.sources.config import ConfigError

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


@dataclass(frozen=True, slots=True)
class NotifySettings:
    # Changes to one case within this many seconds go out as one message per recipient.
    burst: float = 60.0
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "casebot@localhost"
    pagerduty_events_url: str = PAGERDUTY_EVENTS_URL
    # Seconds one delivery may take (an answer from a webhook, a mail server).
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotifySettings:
        security = env.get("CASEBOT_SMTP_SECURITY", "").strip().lower() or "none"
        try:
            smtp_security = SmtpSecurity(security)
        except ValueError:
            raise ConfigError(
                f"CASEBOT_SMTP_SECURITY: expected none, starttls or tls, got {security!r}"
            ) from None
        default_port = {"none": 25, "starttls": 587, "tls": 465}[smtp_security.value]
        return cls(
            burst=_seconds(env, "CASEBOT_NOTIFY_BURST", 60.0),
            smtp_host=env.get("CASEBOT_SMTP_HOST", "").strip(),
            smtp_port=int(_seconds(env, "CASEBOT_SMTP_PORT", default_port)),
            smtp_security=smtp_security,
            smtp_user=env.get("CASEBOT_SMTP_USER", "").strip(),
            smtp_password=env.get("CASEBOT_SMTP_PASSWORD", ""),
            mail_from=env.get("CASEBOT_MAIL_FROM", "").strip() or "casebot@localhost",
            pagerduty_events_url=env.get("CASEBOT_PAGERDUTY_EVENTS_URL", "").strip()
            or PAGERDUTY_EVENTS_URL,
            timeout=_seconds(env, "CASEBOT_NOTIFY_TIMEOUT", 10.0),
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name}: expected a number, got {text!r}") from None
    if value < 0:
        raise ConfigError(f"{name}: expected 0 or more, got {text!r}")
    return value
