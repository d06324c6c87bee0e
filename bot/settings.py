"""Server settings, read once from the environment at the edge.

Nothing below the web and CLI layers reads the environment: they receive a
`Settings` (or the parts of it they need). Every variable is listed once, with
its default, in docs/configuration.md.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.db.engine import DEFAULT_DATABASE_URL
from bot.notify.settings import NotifySettings
from bot.slack.settings import SlackConfigError, SlackSettings
from bot.sources.config import ConfigError, SourcesConfig

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "DEFAULT_PUBLIC_URL", "ConfigError", "Settings"]

# Where `casebot serve` listens unless told otherwise (--host/--port, CASEBOT_HOST/_PORT).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# How people and senders reach casebot unless CASEBOT_PUBLIC_URL says otherwise: the
# address the server listens on (0.0.0.0 and :: shown as 127.0.0.1).
DEFAULT_PUBLIC_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # None: use the token stored in the database, generating one at first start.
    webhook_token: str | None = None
    # Where the server listens.
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # How people and senders reach this server: the webhook URLs, Slack's links and
    # manifest, the console's cookies. Without CASEBOT_PUBLIC_URL, http://<host>:<port>.
    public_url: str = DEFAULT_PUBLIC_URL
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    # Deliveries the writer commits together at most (group commit).
    batch_size: int = 64
    # Deliveries waiting for the writer before new ones are answered 503.
    queue_limit: int = 10_000
    # Larger webhook bodies are refused with 413 (the inbox keeps every raw body).
    max_body_bytes: int = 10 * 1024 * 1024
    slack: SlackSettings = field(default_factory=SlackSettings)
    # Seconds between two rounds of the scheduler (downtimes that end, inactive cases,
    # stale groups); 0 turns it off (`casebot tick` then does a round on demand).
    tick_seconds: int = 60
    # This server's name among replicas on one database: in its metrics, its logs and
    # the claims it takes on Slack calls. Without CASEBOT_REPLICA_NAME, the host's name.
    replica: str = field(default_factory=socket.gethostname)
    # Notification rules' and watchers' deliveries: the burst window, SMTP, PagerDuty.
    notify: NotifySettings = field(default_factory=NotifySettings)
    # Seconds a delivery waits for SQLite's write lock held by another process before it
    # is answered 503 with Retry-After (the sender retries) instead of being held.
    sqlite_lock_wait: float = 5.0
    # Seconds from SIGTERM to exit: deliveries are refused at once, the accepted ones are
    # stored, Slack calls under way finish; whatever still runs after this is cut off.
    shutdown_seconds: float = 10.0

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        database_url: str | None = None,
        host: str | None = None,
        port: int | None = None,
    ) -> Settings:
        """Read `CASEBOT_*`; explicit values (command-line flags) win."""
        env = os.environ if environ is None else environ
        host = host or env.get("CASEBOT_HOST", "").strip() or DEFAULT_HOST
        port = port or _port(env)
        token = env.get("CASEBOT_WEBHOOK_TOKEN", "").strip() or None
        if token is not None and len(token) < 16:
            raise ConfigError("CASEBOT_WEBHOOK_TOKEN: use at least 16 characters")
        public_url = env.get("CASEBOT_PUBLIC_URL", "").strip().rstrip("/")
        if not public_url:
            public_url = local_url(host, port)
        elif not public_url.startswith(("http://", "https://")):
            raise ConfigError(f"CASEBOT_PUBLIC_URL: expected an http(s) URL, got {public_url!r}")
        return cls(
            database_url=database_url
            or env.get("CASEBOT_DATABASE_URL", "").strip()
            or DEFAULT_DATABASE_URL,
            webhook_token=token,
            host=host,
            port=port,
            public_url=public_url,
            sources=SourcesConfig.from_env(env),
            batch_size=_positive_int(env, "CASEBOT_INGEST_BATCH", 64),
            queue_limit=_positive_int(env, "CASEBOT_INGEST_QUEUE_LIMIT", 10_000),
            max_body_bytes=_positive_int(env, "CASEBOT_MAX_BODY_BYTES", 10 * 1024 * 1024),
            slack=_slack(env),
            tick_seconds=_whole(env, "CASEBOT_TICK_SECONDS", 60),
            replica=_replica(env),
            notify=NotifySettings.from_env(env),
            sqlite_lock_wait=_positive_seconds(env, "CASEBOT_SQLITE_LOCK_WAIT", 5.0),
            shutdown_seconds=_positive_seconds(env, "CASEBOT_SHUTDOWN_SECONDS", 10.0),
        )


def local_url(host: str, port: int) -> str:
    """`http://<host>:<port>`, with a wildcard address shown as the loopback one."""
    if host in ("0.0.0.0", "", "::"):
        host = DEFAULT_HOST
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _port(env: Mapping[str, str]) -> int:
    text = env.get("CASEBOT_PORT", "").strip()
    if not text:
        return DEFAULT_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"CASEBOT_PORT: expected a port number (1-65535), got {text!r}")
    return int(text)


def _replica(env: Mapping[str, str]) -> str:
    name = env.get("CASEBOT_REPLICA_NAME", "").strip() or socket.gethostname()
    if len(name) > 60 or not all(c.isalnum() or c in "-_." for c in name):
        raise ConfigError(
            f"CASEBOT_REPLICA_NAME: use up to 60 letters, digits, '-', '_' or '.', got {name!r}"
        )
    return name


def _slack(env: Mapping[str, str]) -> SlackSettings:
    try:
        return SlackSettings.from_env(env)
    except SlackConfigError as error:
        raise ConfigError(str(error)) from None


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ConfigError(f"{name}: expected a whole number (0 or more), got {text!r}")
    return int(text)


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name}: expected a positive whole number, got {text!r}")
    return int(text)


def _positive_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name}: expected seconds (a number), got {text!r}") from None
    if not 0 < value < 86_400:
        raise ConfigError(f"{name}: expected more than 0 and less than a day, got {text!r}")
    return value
