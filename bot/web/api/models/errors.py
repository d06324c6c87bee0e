"""The one error shape of both APIs: `{"errors": ["…"]}`."""

from __future__ import annotations

from pydantic import BaseModel, Field


class APIErrorResponse(BaseModel):
    errors: list[str] = Field(min_length=1, description="What is wrong, one sentence each")
