"""Alert sources: one module per sender, each turning a raw delivery into `MonitorEvent`s.

The pipeline calls `parse_delivery`; the web layer maps `SourceError` to 422 (400 for
`BodyNotJSON`, 401 for `SignatureError`) with `error.as_errors()` as the `errors` list.
"""

from bot.sources.config import GrafanaConfig, LabelSourceConfig, SourcesConfig
from bot.sources.delivery import decode_body, parse_delivery
from bot.sources.errors import BodyNotJSON, SignatureError, SourceError
from bot.sources.grafana import verify_signature

__all__ = [
    "BodyNotJSON",
    "GrafanaConfig",
    "LabelSourceConfig",
    "SignatureError",
    "SourceError",
    "SourcesConfig",
    "decode_body",
    "parse_delivery",
    "verify_signature",
]
