"""The errors the case and project services raise for requests they refuse.

Every edge translates these: the API to 400/404 with `{"errors": [...]}`, Slack
to a modal error or an ephemeral message, the CLI to a message and exit code.
"""

from __future__ import annotations


class CaseServiceError(Exception):
    """Base of every refusal; `str(error)` is a sentence for people."""


class CaseNotFound(CaseServiceError):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no case {ref}")
        self.ref = ref


class ProjectNotFound(CaseServiceError):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no project {ref}")
        self.ref = ref


class UserNotFound(CaseServiceError):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no user {ref}")
        self.ref = ref


class InvalidChange(CaseServiceError):
    """A value or change refused: `field` names what is wrong, `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class InvalidCaseChange(InvalidChange):
    pass


class InvalidProjectChange(InvalidChange):
    pass


class InvalidUserChange(InvalidChange):
    pass


class DowntimeNotFound(CaseServiceError):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no downtime {ref}")
        self.ref = ref


class InvalidDowntime(InvalidChange):
    pass


class NotificationRuleNotFound(CaseServiceError):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no notification rule {ref}")
        self.ref = ref


class DestinationNotFound(CaseServiceError):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no destination {ref}")
        self.ref = ref
