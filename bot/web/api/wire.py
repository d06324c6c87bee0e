"""Values as they appear on the wire of Datadog's Case Management v2 API.

The spellings are those of `datadog-api-client` (`CaseStatus`, `CasePriority`,
`CaseType`, `CaseSortableField`); the UUIDs of the built-in case types other
than STANDARD are casebot's own (Datadog documents only the standard one).
"""

from __future__ import annotations

import re
from types import MappingProxyType

STATUSES = ("OPEN", "IN_PROGRESS", "CLOSED")
# `status_name` is the display name of a status; only the three core statuses exist.
STATUS_NAMES = MappingProxyType({"OPEN": "Open", "IN_PROGRESS": "In Progress", "CLOSED": "Closed"})
STATUS_GROUPS = MappingProxyType(
    {"OPEN": "SG_OPEN", "IN_PROGRESS": "SG_IN_PROGRESS", "CLOSED": "SG_CLOSED"}
)
STATUS_BY_NAME = MappingProxyType({name: status for status, name in STATUS_NAMES.items()})

PRIORITIES = ("NOT_DEFINED", "P1", "P2", "P3", "P4", "P5")

STANDARD_TYPE_ID = "00000000-0000-0000-0000-000000000001"
TYPE_IDS_BY_NAME = MappingProxyType(
    {
        "STANDARD": STANDARD_TYPE_ID,
        "SECURITY": "00000000-0000-0000-0000-000000000002",
        "CHANGE_REQUEST": "00000000-0000-0000-0000-000000000003",
        "EVENT_MANAGEMENT": "00000000-0000-0000-0000-000000000004",
        "ERROR_TRACKING": "00000000-0000-0000-0000-000000000005",
    }
)
TYPE_NAMES_BY_ID = MappingProxyType({v: k for k, v in TYPE_IDS_BY_NAME.items()})

# casebot's closing reasons, also in the upper-case spelling Datadog's examples use.
_REASONS = ("testing", "false_positive", "one_time_exception")
RESOLVED_REASONS = (*_REASONS, *(reason.upper() for reason in _REASONS))

SORT_FIELDS = ("created_at", "priority", "status")

PROJECT_KEY = re.compile(r"[A-Z0-9]{1,10}")
PROJECT_HANDLE = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")

PAGE_SIZE_DEFAULT = 10
PAGE_SIZE_MAX = 100
