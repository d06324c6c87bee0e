"""The one error shape of the case API: `{"errors": ["…"]}` with the HTTP status.

Every failure a client can cause is raised as `ApiError` and rendered by
`error_response`; nothing else leaves the API as a 4xx, and no library
exception leaks out as a 500.
"""

from __future__ import annotations

import orjson
from starlette.responses import Response


class ApiError(Exception):
    """A request the API refuses, with the status and messages the client gets."""

    def __init__(self, status: int, *messages: str, headers: dict[str, str] | None = None) -> None:
        super().__init__("; ".join(messages))
        self.status = status
        self.messages = messages
        self.headers = headers or {}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def error_response(error: ApiError) -> Response:
    return Response(
        orjson.dumps({"errors": list(error.messages)}),
        status_code=error.status,
        media_type="application/json",
        headers=error.headers,
    )
