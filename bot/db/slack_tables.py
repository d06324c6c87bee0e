"""What the Slack app stores: live messages, the durable outbox, event dedupe, channels.

The outbox is written in the same transaction as the change it announces, so a
committed change is always announced and a rolled-back one never is. A sender
task delivers it later (bot/slack/sender.py).
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
    UniqueConstraint,
    Uuid,
    false,
)

from bot.db.metadata import AutoId, Document, UTCDateTime, metadata

# One live message per monitor group, alert cycle and channel. `text`/`blocks` are what
# the message should show (version `version`); `synced_version` is what Slack shows.
# Once `ts` is stored the message is only ever updated, never posted again.
slack_messages = Table(
    "slack_messages",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column(
        "group_id",
        AutoId,
        ForeignKey("monitor_groups.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("cycle", Integer, nullable=True),
    # The channel as the handle named it: a name ("ops-alerts") or an id ("C07OPSALRT").
    Column("channel_ref", String(200), nullable=False),
    Column("channel_id", String(32), nullable=True),
    Column("ts", String(32), nullable=True),
    Column("case_id", Uuid, ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
    # The alert as last notified (title, state, text, tags, link, value): re-rendered
    # with the case's current state whenever the case changes.
    Column("alert", Document, nullable=False),
    Column("text", Text, nullable=False),
    Column("blocks", Document, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("synced_version", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("group_id", "cycle", "channel_ref"),
    Index(None, "channel_id", "ts"),
    Index(None, "case_id"),
)

# Every Web API call that changes Slack. kind: "message" (bring a live message up to
# date: post or update), "reply" (thread reply under message_id), "ephemeral".
slack_outbox = Table(
    "slack_outbox",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    # Pacing and ordering key: calls to one channel go out one at a time, in id order.
    Column("channel_ref", String(200), nullable=False),
    Column(
        "message_id",
        AutoId,
        ForeignKey("slack_messages.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("payload", Document, nullable=False),
    # pending -> sent | failed (a permanent Slack error, kept with the error).
    Column("status", String(10), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("not_before", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    # A replica claims an item before it calls Slack, for a lease: no other replica
    # sends it meanwhile; one that finds the lease run out takes the item over.
    Column("claimed_by", String(100), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("claims", Integer, nullable=False, server_default="0"),
    Column("takeovers", Integer, nullable=False, server_default="0"),
    # A call was (or may have been) made and no answer from Slack was recorded: before a
    # post is sent again, the channel's history is searched for it (its metadata tag).
    Column("maybe_delivered", Boolean, nullable=False, server_default=false()),
    # The post was found in the channel's history: settled without posting again.
    Column("recovered", Boolean, nullable=False, server_default=false()),
    Index(None, "status", "channel_ref", "id"),
)

# When each channel may take its next call: one pace shared by every replica.
slack_pace = Table(
    "slack_pace",
    metadata,
    Column("channel_ref", String(200), primary_key=True),
    Column("next_at", UTCDateTime, nullable=False),
)

# Events API deliveries already handled: Slack retries carry the same event_id.
slack_events = Table(
    "slack_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
)

# Channel names resolved to ids (conversations.list), and per-channel settings.
slack_channels = Table(
    "slack_channels",
    metadata,
    Column("channel_ref", String(200), primary_key=True),
    Column("channel_id", String(32), nullable=True),
    # Quiet: state changes update the message but add no thread reply.
    Column("quiet", Boolean, nullable=False, server_default=false()),
    Column("resolved_at", UTCDateTime, nullable=True),
)
