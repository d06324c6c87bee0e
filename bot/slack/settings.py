"""Slack settings, read from the environment at the edge.

Slack is on when `SLACK_BOT_TOKEN` is set together with `SLACK_SIGNING_SECRET`
(HTTP mode at POST /slack/events) or `SLACK_APP_TOKEN` (Socket Mode). Otherwise
it is off and the server says so at start-up.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_API_URL = "https://slack.com/api/"


class SlackConfigError(ValueError):
    """A Slack setting is present but unusable; the message names it."""


@dataclass(frozen=True, slots=True)
class SlackSettings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    # With a workspace name, `@slack-<workspace>-<channel>` names <channel>.
    workspace: str | None = None
    # Seconds between two calls to one channel (Slack allows about one post a second).
    pace: float = 1.0
    # Seconds a Web API call may take before it counts as failed (and is retried).
    timeout: float = 10.0
    # Seconds a replica's claim on an outbox call lasts: a replica that stops (killed,
    # cut off) has its calls taken over by another after this.
    lease: float = 60.0

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token and (self.signing_secret or self.app_token))

    @property
    def socket_mode(self) -> bool:
        return self.enabled and bool(self.app_token)

    def off_reason(self) -> str:
        if not self.bot_token:
            return "SLACK_BOT_TOKEN is not set"
        return "neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is set"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SlackSettings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(name, "").strip() or None

        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token is not None and not bot_token.startswith("xoxb-"):
            raise SlackConfigError("SLACK_BOT_TOKEN: expected a bot token starting with xoxb-")
        app_token = get("SLACK_APP_TOKEN")
        if app_token is not None and not app_token.startswith("xapp-"):
            raise SlackConfigError("SLACK_APP_TOKEN: expected an app-level token (xapp-…)")
        api_url = get("CASEBOT_SLACK_API_URL") or DEFAULT_API_URL
        if not api_url.startswith(("http://", "https://")):
            raise SlackConfigError(f"CASEBOT_SLACK_API_URL: expected an http(s) URL: {api_url!r}")
        timeout = _seconds(env, "CASEBOT_SLACK_TIMEOUT", 10.0)
        lease = _seconds(env, "CASEBOT_SLACK_LEASE", 60.0)
        if lease < 2 * timeout:
            raise SlackConfigError(
                f"CASEBOT_SLACK_LEASE: a claim must outlast two calls: at least "
                f"{2 * timeout:g} seconds (twice CASEBOT_SLACK_TIMEOUT), got {lease:g}"
            )
        return cls(
            bot_token=bot_token,
            signing_secret=get("SLACK_SIGNING_SECRET"),
            app_token=app_token,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            workspace=get("CASEBOT_SLACK_WORKSPACE"),
            pace=_seconds(env, "CASEBOT_SLACK_PACE", 1.0),
            timeout=timeout,
            lease=lease,
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SlackConfigError(f"{name}: expected seconds (a number), got {text!r}") from None
    if value < 0:
        raise SlackConfigError(f"{name}: expected zero or more seconds, got {text!r}")
    return value
