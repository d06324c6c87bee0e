"""Every table casebot stores, on the one shared `MetaData`.

Importing this module registers all table modules. An area that adds tables
adds its module's import here, so that `metadata` is complete for the
migration check in tests/db/test_migrations.py.
"""

from __future__ import annotations

from bot.db.accounts import accounts, sign_in_failures, web_sessions
from bot.db.api_keys import api_keys
from bot.db.app_settings import app_settings
from bot.db.cases import case_timeline, cases
from bot.db.downtimes import downtimes, muted_notifications
from bot.db.error_tracking import (
    error_tracking_activity,
    error_tracking_issues,
    error_tracking_occurrences,
    error_tracking_rules,
)
from bot.db.inbox import inbox
from bot.db.metadata import metadata
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups
from bot.db.notification_tables import (
    case_watchers,
    notification_deliveries,
    notification_destinations,
    notification_outbox,
    notification_rules,
    project_notification_settings,
)
from bot.db.projects import project_counters, projects
from bot.db.slack_tables import (
    slack_channels,
    slack_events,
    slack_messages,
    slack_outbox,
    slack_pace,
)
from bot.db.users import users

__all__ = [
    "accounts",
    "api_keys",
    "app_settings",
    "case_timeline",
    "case_watchers",
    "cases",
    "downtimes",
    "error_tracking_activity",
    "error_tracking_issues",
    "error_tracking_occurrences",
    "error_tracking_rules",
    "inbox",
    "metadata",
    "monitor_cycle_cases",
    "monitor_groups",
    "muted_notifications",
    "notification_deliveries",
    "notification_destinations",
    "notification_outbox",
    "notification_rules",
    "project_counters",
    "project_notification_settings",
    "projects",
    "sign_in_failures",
    "slack_channels",
    "slack_events",
    "slack_messages",
    "slack_outbox",
    "slack_pace",
    "users",
    "web_sessions",
]
