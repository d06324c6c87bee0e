"""Typed view objects: what the Slack templates under templates/slack/ render from.

Builders turn database rows into these; templates turn these into Block Kit.
Nothing here talks to Slack or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.group_mutes import MuteChoice


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case as an alert message or a list shows it."""

    id: str
    key: str
    title: str
    status: str  # OPEN, IN_PROGRESS, CLOSED
    priority: str
    type: str
    url: str  # signed link to the case page
    assignee: str | None = None  # display text: "<@U…>" or a name

    @property
    def is_closed(self) -> bool:
        return self.status == "CLOSED"


@dataclass(frozen=True, slots=True)
class AlertView:
    """One live alert message: a monitor group in one alert cycle."""

    title: str
    state: str  # handles.State value: "Alert", "Warn", "OK", "No Data", "Unknown"
    text: str  # the rendered notification text (escaped by the template)
    source: str
    group_id: int
    cycle: int
    monitor_name: str = ""
    group: str = "*"
    tags: tuple[str, ...] = ()
    link: str | None = None
    value: str | None = None
    occurred_at: datetime | None = None
    case: CaseSummary | None = None

    @property
    def group_ref(self) -> str:
        """The Create Case button's value: which group and cycle the click is about."""
        return f"{self.group_id}:{self.cycle}"

    @property
    def mute_choices(self) -> tuple[MuteChoice, ...]:
        """The Mute menu's options (bot/slack/mute_menu.py)."""
        return tuple(MuteChoice)


@dataclass(frozen=True, slots=True)
class ProjectOption:
    value: str  # project handle
    label: str  # "Storage (STOR)"


@dataclass(frozen=True, slots=True)
class CaseModalView:
    """The Create Case modal, prefilled from the alert (or from `/case new <title>`)."""

    title: str
    description: str
    projects: tuple[ProjectOption, ...]
    selected_project: str | None
    private_metadata: str
    context: str = ""  # one mrkdwn line above the inputs (the alert's title)
    case_type: str = "STANDARD"
    priority: str = "NOT_DEFINED"
    types: tuple[str, ...] = (
        "STANDARD",
        "SECURITY",
        "CHANGE_REQUEST",
        "EVENT_MANAGEMENT",
        "ERROR_TRACKING",
    )
    priorities: tuple[str, ...] = ("NOT_DEFINED", "P1", "P2", "P3", "P4", "P5")


@dataclass(frozen=True, slots=True)
class CloseModalView:
    """Asks for the closing reason a SECURITY case needs."""

    case_key: str
    private_metadata: str
    reasons: tuple[str, ...] = ("testing", "false_positive", "one_time_exception")


@dataclass(frozen=True, slots=True)
class PreviewRow:
    transition: str  # "OK → Alert", "Alert (renotify)"
    handles: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class PreviewModalView:
    """`/case preview`: a text box, and once submitted, the handles that fire per transition."""

    message: str = ""
    rows: tuple[PreviewRow, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CaseListView:
    """`/case list`: the user's open cases."""

    user: str
    cases: tuple[CaseSummary, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class ClosePromptView:
    """ "Monitor recovered — close?" under an alert message, with a Close button."""

    case_key: str
    case_id: str


@dataclass(frozen=True, slots=True)
class MuteModalView:
    """Mute a group until a time the person picks (the Mute menu's Custom…)."""

    title: str
    private_metadata: str
    initial: int  # epoch seconds: the picker starts there
