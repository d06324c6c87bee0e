"""The error-tracking API under /api/v2/error-tracking: intake, issues, cases, rules.

Same key pairs and error shape as the case API (bot/web/api): reads need the
`error_tracking_read` scope, changes `error_tracking_write`. Each route does
its work in one transaction off the event loop (`Caller.run`); the services do
the work and the case listeners (the case's Slack message) hear of every case
change.
"""

from __future__ import annotations

from bot.web.api.routing import ERROR_TRACKING_PREFIX
from bot.web.error_tracking import issues, rules

PREFIX = ERROR_TRACKING_PREFIX
# Mounted route by route by bot/web/api (one ApiRoute per path and method, as the case API).
routers = (issues.router, rules.router)
