"""What the Slack message of an error-tracking issue shows (templates/slack/issue.json.j2)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IssueView:
    """One issue's message; `case_key`/`case_url`/`case_status` once it is linked to a case."""

    issue_id: str
    title: str
    service: str
    team: str | None
    error_type: str
    error_message: str
    state: str  # the label: FOR REVIEW, REVIEWED, ...
    occurrences: int
    regression: bool = False
    case_key: str | None = None
    case_url: str | None = None
    case_status: str | None = None  # OPEN, IN_PROGRESS or CLOSED
