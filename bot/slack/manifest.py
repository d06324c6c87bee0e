"""The Slack app manifest casebot needs, so that creating the app is one paste.

https://docs.slack.dev/reference/app-manifest — scopes, the `message` events of
channels (thread mirroring), interactivity (buttons, modals) and `/case`, all at
`<public URL>/slack/events`. With Socket Mode no URL is needed.
"""

from __future__ import annotations

from typing import Any

BOT_SCOPES = (
    "chat:write",  # post and update alert messages, thread replies, ephemeral notes
    "chat:write.public",  # post to public channels without being invited first
    "commands",  # /case
    "channels:read",  # channel names -> ids (conversations.list)
    "groups:read",  # the same for private channels the app was invited to
    "channels:history",  # thread replies in public channels (mirroring)
    "groups:history",  # thread replies in private channels
    "users:read",  # the name of whoever replies in a thread
    "users:read.email",  # their address: a Slack user and a console account are one person
)
BOT_EVENTS = ("message.channels", "message.groups")


def manifest(
    public_url: str, *, name: str = "casebot", socket_mode: bool = False
) -> dict[str, Any]:
    """The app manifest; in HTTP mode Slack sends everything to `public_url`/slack/events."""
    events_url = f"{public_url.rstrip('/')}/slack/events"
    command: dict[str, Any] = {
        "command": "/case",
        "description": "Create, list or preview cases",
        "usage_hint": "new <title> | list | preview",
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if not socket_mode:
        command["url"] = events_url
        events["request_url"] = events_url
        interactivity["request_url"] = events_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Monitoring alerts in, cases out: Create Case, live alert messages.",
            "background_color": "#2c2d30",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
