"""The one error type every alert source raises for a delivery it cannot use."""

from __future__ import annotations

from collections.abc import Iterable


class SourceError(ValueError):
    """A delivery that is not the source's shape.

    `field` names what is wrong as a path into the body (`alerts[1].labels.alertname`,
    `title`, `body` for the body as a whole) or a header (`headers.X-Grafana-Alerting-Signature`),
    so the web layer can answer `422 {"errors": [...]}` and the inbox can keep the reason.
    `problems` holds every problem found when a parser collects more than one; it always
    starts with this error's own field and message.
    """

    def __init__(
        self,
        field: str,
        message: str,
        *,
        problems: Iterable[tuple[str, str]] = (),
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        rest = tuple(p for p in problems if p != (field, message))
        self.problems: tuple[tuple[str, str], ...] = ((field, message), *rest)

    def as_errors(self) -> list[dict[str, str]]:
        """The `errors` list of the HTTP answer: `[{"field": ..., "message": ...}, ...]`."""
        return [{"field": field, "message": message} for field, message in self.problems]


class BodyNotJSON(SourceError):
    """The body is not JSON at all (HTTP 400, where a wrong shape is 422)."""

    def __init__(self, message: str) -> None:
        super().__init__("body", message)


class SignatureError(SourceError):
    """A signed delivery whose signature is missing, wrong or stale (HTTP 401)."""
