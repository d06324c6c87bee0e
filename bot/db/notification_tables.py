"""What notifications store: destinations, rules, watchers, and the notification outbox.

The outbox is written in the transaction of the case change it announces (the
notifier is a case listener), so a committed change is always announced and a
rolled-back one never is; bot/notify/sender.py delivers it later.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    true,
)

from bot.db.metadata import AutoId, Document, UTCDateTime, metadata

# Where notifications go besides people's mailboxes: a webhook, a Teams channel, a
# PagerDuty service or a shared mailbox. `config` holds what the kind needs (url,
# secret, routing key, address); rules name a destination by its `name`.
notification_destinations = Table(
    "notification_destinations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("config", Document, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Datadog's notification rules of a project: `triggers` and `recipients` as the API
# carries them (lists of {type, data}).
notification_rules = Table(
    "notification_rules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("project_id", Uuid, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("query", Text, nullable=False, server_default=""),
    Column("triggers", Document, nullable=False),
    Column("recipients", Document, nullable=False),
    Column("is_enabled", Boolean, nullable=False, server_default=true()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    Index(None, "project_id"),
)

case_watchers = Table(
    "case_watchers",
    metadata,
    Column("case_id", Uuid, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# One message to one recipient about one case: the changes of a burst, coalesced.
# `recipient` is the route's identity ("email:ana@example.com", "destination:<id>"), so
# two routes to one person make one message. While a message may still take more
# changes, `open_key` is "<case>|<recipient>[|<pager action>]", unique: a burst has one
# open message. The claim (`claimed_by` until `claimed_until`) is the Slack outbox's.
notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("case_id", Uuid, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("recipient", String(400), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("destination_id", Uuid, nullable=True),
    Column("address", String(320), nullable=True),
    Column("open_key", String(500), nullable=True, unique=True),
    # {"changes": [...], "action": ...}: what the message tells.
    Column("payload", Document, nullable=False),
    # Sent as the webhook's Idempotency-Key and the mail's Message-ID.
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("status", String(10), nullable=False),
    Column("not_before", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(100), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    # What the destination answered last (status line), for `casebot notifications outbox`.
    Column("answer", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Index(None, "status", "not_before"),
    Index(None, "case_id", "recipient"),
)

# Every (timeline entry, recipient) told: a change reaches a recipient once, whatever
# number of rules and routes lead there.
notification_deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("entry_id", AutoId, primary_key=True, autoincrement=False),
    Column("recipient", String(400), primary_key=True),
    Column(
        "outbox_id",
        AutoId,
        ForeignKey("notification_outbox.id", ondelete="CASCADE"),
        nullable=False,
    ),
)

# A project's `settings.notification` block (Datadog's ProjectNotificationSettings):
# whether the people of a case (its assignee, its watchers, whom a comment mentions)
# hear of each kind of change. A project without a row has the defaults (all on).
project_notification_settings = Table(
    "project_notification_settings",
    metadata,
    Column("project_id", Uuid, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("settings", Document, nullable=False),
)
