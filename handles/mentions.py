"""@-handles in rendered notification text.

Rules (Datadog's where it states them, casebot's where it does not):
- A handle starts with `@` at the start of the text or after whitespace;
  `(@case-x)`, `**@case-x**` and `` `@case-x` `` are not handles.
- It runs to the next whitespace; trailing punctuation `. , ; : ! ? ' "`,
  closing brackets `) ] } >` and Markdown marks `* ~ `` ` are not part of it.
- A handle containing `(` or `)` is ignored, except the workflow argument
  form `@workflow-name(key=value, key=value)`.
- `@<integration>-<name>` for the integrations in `KINDS` (lower-case prefix);
  `@someone@example.com` is an e-mail handle. Names are `[\\w.-]+`; anything
  else (`@case-a&b`, `@case-`, `@here`) is not a handle.
- Each handle is reported once, in order of first appearance.
"""

from __future__ import annotations

import re

from handles.types import Mention

KINDS: frozenset[str] = frozenset(
    {
        "case",
        "slack",
        "webhook",
        "team",
        "pagerduty",
        "workflow",
        "jira",
        "opsgenie",
        "servicenow",
        "oncall",
        "teams",
    }
)
_CANDIDATE = re.compile(r"@\S*")
_TRAILING = ".,;:!?'\")]}>*~`"
_NAMED = re.compile(r"([a-z]+)-([\w.\-]+)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_WORKFLOW = re.compile(r"@workflow-([\w.\-]+)\(([^()\n]*)\)")
_ARGUMENT = re.compile(r"\s*([^=,\s]+)\s*=\s*([^,]*?)\s*(?:,|$)")


def _workflow(text: str, start: int) -> tuple[Mention, int] | None:
    match = _WORKFLOW.match(text, start)
    if match is None:
        return None
    body = match.group(2)
    args: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body.rstrip()):
        arg = _ARGUMENT.match(body, pos)
        if arg is None or arg.end() == pos:
            return None
        args.append((arg.group(1), arg.group(2)))
        pos = arg.end()
    return Mention("workflow", match.group(1), match.group(0), tuple(args)), match.end()


# Handles repeat across deliveries, so a token's classification is remembered;
# the memo is cleared when it grows past this many entries (hostile text).
_MEMO_LIMIT = 4096
_memo: dict[str, Mention | None] = {}


def _classify(raw: str) -> Mention | None:
    mention = _memo.get(raw, _UNSEEN)
    if mention is _UNSEEN:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        mention = _memo[raw] = _classify_new(raw)
    return mention  # type: ignore[return-value]


_UNSEEN = object()


def _classify_new(raw: str) -> Mention | None:
    body = raw[1:]
    if "(" in body or ")" in body:
        return None
    if "@" in body:
        if _EMAIL.fullmatch(body):
            return Mention("email", body, raw)
        return None
    named = _NAMED.fullmatch(body)
    if named is None or named.group(1) not in KINDS:
        return None
    return Mention(named.group(1), named.group(2), raw)


def mention_at(text: str, start: int) -> Mention | None:
    """The handle written at `text[start]` (an `@`), ignoring what precedes it."""
    match = _CANDIDATE.match(text, start)
    if match is None:
        return None
    token = match.group()
    if token.startswith("@workflow-") and "(" in token:
        result = _workflow(text, start)
        return None if result is None else result[0]
    return _classify(token.rstrip(_TRAILING))


def extract_mentions(text: str) -> tuple[Mention, ...]:
    """Every handle in `text`, de-duplicated, in order of first appearance."""
    if "@" not in text:
        return ()
    found: dict[tuple[str, str, tuple[tuple[str, str], ...]], Mention] = {}
    resume = 0
    for match in _CANDIDATE.finditer(text):
        start = match.start()
        if start < resume or (start and not text[start - 1].isspace()):
            continue
        token = match.group()
        mention: Mention | None
        if token.startswith("@workflow-") and "(" in token:
            result = _workflow(text, start)
            if result is None:
                continue
            mention, resume = result
        else:
            mention = _classify(token.rstrip(_TRAILING))
            if mention is None:
                continue
        key = (mention.kind, mention.name, mention.args)
        if key not in found:
            found[key] = mention
    return tuple(found.values())
