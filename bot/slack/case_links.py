"""Signed links to the case page: `CASEBOT_PUBLIC_URL/cases/KEY?exp=…&sig=…`.

Until the web pages have their own sign-in, a case page opens only through a
link casebot itself made: `sig` is HMAC-SHA256 over the case key and the expiry
(epoch seconds) with a server secret kept in `app_settings` (generated once).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from sqlalchemy import Engine

from bot.services.server_secrets import ensure_secret

SETTING_KEY = "case_link_secret"

# A link in a Slack message should keep working for as long as people scroll back to it.
DEFAULT_TTL = timedelta(days=180)


def ensure_link_secret(engine: Engine) -> str:
    """The stored secret, generated the first time (two servers starting at once agree)."""
    return ensure_secret(engine, SETTING_KEY, lambda: secrets.token_hex(32))


@dataclass(frozen=True, slots=True)
class CaseLinks:
    secret: str
    public_url: str  # without a trailing slash
    ttl: timedelta = DEFAULT_TTL

    def url(self, key: str, *, now: datetime) -> str:
        expires = int((now + self.ttl).timestamp())
        query = urlencode({"exp": expires, "sig": self.signature(key, expires)})
        return f"{self.public_url}/cases/{quote(key)}?{query}"

    def signature(self, key: str, expires: int) -> str:
        message = f"{key}\n{expires}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()

    def verify(self, key: str, exp: str | None, sig: str | None, *, now: datetime) -> bool:
        """Whether (exp, sig) is casebot's signature for `key` and has not expired."""
        if not exp or not sig or not exp.isdigit():
            return False
        if int(exp) < now.timestamp():
            return False
        return hmac.compare_digest(self.signature(key, int(exp)), sig)
