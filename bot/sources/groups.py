"""The canonical spelling of a monitor group, shared by every source.

A group is the set of tags that tells one member of a multi-alert monitor from another.
Every source spells it the same way so that the group key is stable whatever the sender's
ordering or spacing: the `key:value` tags sorted and joined by `,`, or `*` for a monitor
with a single group (Datadog's "simple alert").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SIMPLE_GROUP = "*"


def group_key(tags: Iterable[str]) -> str:
    unique = sorted({tag.strip() for tag in tags if tag.strip() and tag.strip() != SIMPLE_GROUP})
    return ",".join(unique) if unique else SIMPLE_GROUP


def split_tags(text: str) -> tuple[str, ...]:
    """Datadog's comma-separated tags (`$ALERT_SCOPE`, `$TAGS`, the title scope), trimmed."""
    return tuple(tag.strip() for tag in text.split(",") if tag.strip())


def label_tags(labels: Mapping[str, str], *, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """Labels as sorted `name:value` tags, leaving out `exclude` and empty values."""
    skipped = set(exclude)
    return tuple(
        f"{name}:{value}"
        for name, value in sorted(labels.items())
        if name not in skipped and value != ""
    )
