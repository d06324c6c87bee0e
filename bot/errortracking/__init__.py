"""Error tracking: issues from application errors, linked to cases and kept in step with them.

- `IssueService` records occurrences (grouping them into issues by
  fingerprint), changes an issue's state, assignee and comments, creates a
  case from an issue or links an issue to a case, and carries each issue
  change over to its case (bot/core/issue_sync.py decides what changes).
- `IssueCaseSync` is the case listener for the other direction: a person's
  change to a case (status, assignee, comment) reaches its linked issues.
  `with_issue_sync(listeners)` adds it to a list of case listeners.
- A comment or an assignment on an issue without a case creates one, as
  "create a case" does, when a project can be chosen
  (bot/errortracking/auto_case.py: `CaseOutcome` says what happened).
- `AutomationRules` stores the ordered rules that route new issues to
  projects and may open a case at once.

Changes made by sync are recorded with the `error_tracking` actor source,
and the listener ignores such case changes: that is what stops echo loops.
"""

from __future__ import annotations

from bot.errortracking.auto_case import Assigned, CaseOutcome, Commented
from bot.errortracking.automation import AutomationRules, InvalidRule, RuleNotFound
from bot.errortracking.case_sync import IssueCaseSync, with_issue_sync
from bot.errortracking.errors import InvalidIssueChange, IssueNotFound, NoProjectForCase
from bot.errortracking.intake import ErrorEvent, Recorded
from bot.errortracking.service import IssueService

__all__ = [
    "Assigned",
    "AutomationRules",
    "CaseOutcome",
    "Commented",
    "ErrorEvent",
    "InvalidIssueChange",
    "InvalidRule",
    "IssueCaseSync",
    "IssueNotFound",
    "IssueService",
    "NoProjectForCase",
    "Recorded",
    "RuleNotFound",
    "with_issue_sync",
]
