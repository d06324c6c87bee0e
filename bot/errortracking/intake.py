"""One reported error occurrence, checked, and what recording it did.

The client may send its own fingerprint (how it groups errors); without one,
casebot groups by service, error type and title — the same error in the same
service is the same issue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from bot.core.cases import Case
from bot.core.issues import Issue
from bot.core.rules import Rule
from bot.errortracking.errors import InvalidIssueChange

SERVICE_MAX = 200
TEAM_MAX = 200
ENV_MAX = 100
VERSION_MAX = 100
ERROR_TYPE_MAX = 500
FINGERPRINT_MAX = 200
TITLE_MAX = 500
MESSAGE_MAX = 10_000


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """One occurrence of an error, as a client reports it."""

    service: str
    error_type: str
    error_message: str = ""
    title: str | None = None
    fingerprint: str | None = None
    team: str | None = None
    env: str | None = None
    version: str | None = None
    occurred_at: datetime | None = None

    def __post_init__(self) -> None:
        _require("service", self.service, SERVICE_MAX)
        _require("error_type", self.error_type, ERROR_TYPE_MAX)
        _limit("error_message", self.error_message, MESSAGE_MAX)
        for name, value, limit in (
            ("title", self.title, TITLE_MAX),
            ("fingerprint", self.fingerprint, FINGERPRINT_MAX),
            ("team", self.team, TEAM_MAX),
            ("env", self.env, ENV_MAX),
            ("version", self.version, VERSION_MAX),
        ):
            if value is not None:
                _require(name, value, limit)
        if self.occurred_at is not None and self.occurred_at.tzinfo is None:
            raise InvalidIssueChange("timestamp", "the occurrence time needs a time zone")

    @property
    def issue_title(self) -> str:
        """The issue's title: the one sent, else `ErrorType: first line of the message`."""
        if self.title:
            return self.title.strip()
        first_line = (
            self.error_message.strip().splitlines()[0] if self.error_message.strip() else ""
        )
        text = f"{self.error_type}: {first_line}" if first_line else self.error_type
        return text[:TITLE_MAX]

    @property
    def issue_fingerprint(self) -> str:
        if self.fingerprint:
            return self.fingerprint.strip()
        parts = (self.service.strip(), self.error_type.strip(), (self.title or "").strip())
        digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()
        return f"auto:{digest[:40]}"


def _require(field: str, value: str, limit: int) -> None:
    if not value.strip():
        raise InvalidIssueChange(field, f"{field} must not be empty")
    _limit(field, value, limit)


def _limit(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise InvalidIssueChange(field, f"{field} is longer than {limit} characters")


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording one occurrence did.

    `recorded` is false for an EXCLUDED issue (nothing is collected);
    `new_issue` when this occurrence created the issue; `regression` when a
    RESOLVED issue came back; `rule` is the rule that routed a new issue and
    `case` the case it opened at once (auto-create).
    """

    issue: Issue
    recorded: bool
    new_issue: bool = False
    regression: bool = False
    rule: Rule | None = None
    case: Case | None = None
