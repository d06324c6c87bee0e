"""Server settings, read once from the environment at the edge.

Nothing below the web and CLI layers reads the environment: they receive a
`Settings` (or the parts of it they need). Every variable is listed in the
README section "Running casebot".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.db.engine import DEFAULT_DATABASE_URL
from bot.slack.settings import SlackConfigError, SlackSettings
from bot.sources.config import ConfigError, SourcesConfig

__all__ = ["ConfigError", "Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # None: use the token stored in the database, generating one at first start.
    webhook_token: str | None = None
    # How senders reach this server (printed in the webhook URLs); None: the bind address.
    public_url: str | None = None
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    # Deliveries the writer commits together at most (group commit).
    batch_size: int = 64
    # Deliveries waiting for the writer before new ones are answered 503.
    queue_limit: int = 10_000
    # Larger webhook bodies are refused with 413 (the inbox keeps every raw body).
    max_body_bytes: int = 10 * 1024 * 1024
    slack: SlackSettings = field(default_factory=SlackSettings)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        database_url: str | None = None,
    ) -> Settings:
        """Read `CASEBOT_*`; an explicit `database_url` (a command-line flag) wins."""
        env = os.environ if environ is None else environ
        token = env.get("CASEBOT_WEBHOOK_TOKEN", "").strip() or None
        if token is not None and len(token) < 16:
            raise ConfigError("CASEBOT_WEBHOOK_TOKEN: use at least 16 characters")
        public_url = env.get("CASEBOT_PUBLIC_URL", "").strip().rstrip("/") or None
        if public_url is not None and not public_url.startswith(("http://", "https://")):
            raise ConfigError(f"CASEBOT_PUBLIC_URL: expected an http(s) URL, got {public_url!r}")
        return cls(
            database_url=database_url
            or env.get("CASEBOT_DATABASE_URL", "").strip()
            or DEFAULT_DATABASE_URL,
            webhook_token=token,
            public_url=public_url,
            sources=SourcesConfig.from_env(env),
            batch_size=_positive_int(env, "CASEBOT_INGEST_BATCH", 64),
            queue_limit=_positive_int(env, "CASEBOT_INGEST_QUEUE_LIMIT", 10_000),
            max_body_bytes=_positive_int(env, "CASEBOT_MAX_BODY_BYTES", 10 * 1024 * 1024),
            slack=_slack(env),
        )


def _slack(env: Mapping[str, str]) -> SlackSettings:
    try:
        return SlackSettings.from_env(env)
    except SlackConfigError as error:
        raise ConfigError(str(error)) from None


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name}: expected a positive whole number, got {text!r}")
    return int(text)
