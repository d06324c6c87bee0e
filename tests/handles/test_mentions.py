"""Handles read from rendered text: the rules in handles/mentions.py, case by case."""

from __future__ import annotations

import pytest

from handles import extract_mentions, parse
from tests.handles.events import make_event

# (text, handles found as (kind, name), why)
CASES: list[tuple[str, list[tuple[str, str]], str]] = [
    ("@case-storage", [("case", "storage")], "alone"),
    ("Disk full @case-storage", [("case", "storage")], "after a space"),
    ("Disk full\n@case-storage", [("case", "storage")], "after a newline"),
    ("Disk full\t@case-storage", [("case", "storage")], "after a tab"),
    ("x@case-storage", [], "glued to a word"),
    ("{value}@case-storage", [], "glued to punctuation"),
    ("@case-storage.", [("case", "storage")], "trailing full stop"),
    ("@case-storage,", [("case", "storage")], "trailing comma"),
    ("@case-storage;", [("case", "storage")], "trailing semicolon"),
    ("@case-storage:", [("case", "storage")], "trailing colon"),
    ("@case-storage!", [("case", "storage")], "trailing exclamation"),
    ("@case-storage?!", [("case", "storage")], "several trailing marks"),
    ("@case-storage)", [("case", "storage")], "trailing parenthesis"),
    ("@case-storage'", [("case", "storage")], "trailing quote"),
    ("(@case-storage)", [], "inside parentheses"),
    ("**@case-storage**", [], "Markdown bold"),
    ("_@case-storage_", [], "Markdown italics"),
    ("`@case-storage`", [], "Markdown code"),
    ("[@case-storage](https://x)", [], "Markdown link text"),
    ("- @case-storage", [("case", "storage")], "Markdown list item"),
    ("> @case-storage", [("case", "storage")], "Markdown quote"),
    ("@case-storage**", [("case", "storage")], "trailing Markdown marks"),
    ("@case-(storage)", [], "parentheses in the handle"),
    ("@case-stor(age", [], "one parenthesis"),
    ("@case-a&amp;b", [], "escaped ampersand is not a name"),
    ("@case-", [], "no name"),
    ("@case", [], "no dash"),
    ("@here", [], "not an integration"),
    ("@foo-bar", [], "unknown integration"),
    ("@Case-storage", [], "prefix is lower-case"),
    ("@case-Storage_2.b", [("case", "Storage_2.b")], "name characters kept"),
    ("@slack-ops-alerts", [("slack", "ops-alerts")], "slack channel"),
    ("@slack-acme-ops", [("slack", "acme-ops")], "slack workspace-channel"),
    ("@slack----critical_alerts", [("slack", "---critical_alerts")], "leading dashes"),
    ("@webhook-casebot", [("webhook", "casebot")], "webhook"),
    ("@team-storage", [("team", "storage")], "team"),
    ("@pagerduty-db_oncall", [("pagerduty", "db_oncall")], "pagerduty"),
    ("@jira-ops", [("jira", "ops")], "other integrations keep their kind"),
    ("@workflow-restart", [("workflow", "restart")], "workflow"),
    ("@workflow-restart(host=web-1, force=true)", [("workflow", "restart")], "workflow arguments"),
    (
        "@workflow-restart(host=web-1, force=true).",
        [("workflow", "restart")],
        "workflow, stop after",
    ),
    ("@jane@example.com", [("email", "jane@example.com")], "e-mail"),
    (
        "@jane.doe+ops@mail.example.co.uk",
        [("email", "jane.doe+ops@mail.example.co.uk")],
        "e-mail parts",
    ),
    ("@jane@example.com.", [("email", "jane@example.com")], "e-mail, full stop"),
    ("jane@example.com", [], "e-mail without the leading @"),
    ("@jane@example", [], "e-mail without a top-level domain"),
    (
        "@team-storage@example.com",
        [("email", "team-storage@example.com")],
        "team address is e-mail",
    ),
    ("@case-a @case-a @case-b", [("case", "a"), ("case", "b")], "each once, in order"),
    ("@case-b\n@slack-x @case-a", [("case", "b"), ("slack", "x"), ("case", "a")], "order of text"),
    ("", [], "empty text"),
    ("no handles here", [], "plain text"),
    ("\u00a0@case-storage", [("case", "storage")], "after a no-break space"),
    ("@case-\u00e9t\u00e9", [("case", "\u00e9t\u00e9")], "letters beyond ASCII"),
]


@pytest.mark.parametrize(("text", "expected"), [c[:2] for c in CASES], ids=[c[2] for c in CASES])
def test_extract_mentions(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(m.kind, m.name) for m in extract_mentions(text)] == expected


def test_raw_keeps_the_handle_as_written() -> None:
    (mention,) = extract_mentions("see @case-storage.")
    assert mention.raw == "@case-storage"


def test_workflow_arguments() -> None:
    (mention,) = extract_mentions("@workflow-restart(host=web-1, force = true)")
    assert mention.args == (("host", "web-1"), ("force", "true"))
    assert mention.raw == "@workflow-restart(host=web-1, force = true)"


# Handles in templates: mentions of the rendered text, whatever built it.
TEMPLATE_CASES: list[tuple[str, list[str], str]] = [
    ("@slack-{{service.name}}", ["@slack-web"], "dynamic handle"),
    ("@team-{{team.name}}@example.com", ["@team-storage@example.com"], "dynamic e-mail"),
    ("{{value}}@slack-x", [], "glued to a variable"),
    ("{{value}} @slack-x", ["@slack-x"], "after a variable and a space"),
    (
        "{{#is_alert}}@case-a{{/is_alert}}{{#is_recovery}}@case-b{{/is_recovery}}",
        ["@case-a"],
        "only the shown block",
    ),
    ("{{#is_alert}}@case-{{/is_alert}}storage", ["@case-storage"], "a handle across a block edge"),
    ("{{{{raw}}}}@case-raw{{{{/raw}}}}", ["@case-raw"], "inside a raw block, still text"),
    ("{{{{raw}}}}{{#is_recovery}}@case-x{{/is_recovery}}{{{{/raw}}}}", [], "raw tags around it"),
    ("{{! @case-hidden }}@case-shown", ["@case-shown"], "comments are not text"),
    ("{{team.name}}", [], "escaped value cannot ping"),
    ("x {{{raw_handle}}}", ["@case-from-value"], "a handle from a raw value"),
    (
        '{{#is_match "host.name" "web"}}@case-web{{/is_match}} @slack-x',
        ["@case-web", "@slack-x"],
        "data section",
    ),
]


@pytest.mark.parametrize(
    ("template", "expected"), [c[:2] for c in TEMPLATE_CASES], ids=[c[2] for c in TEMPLATE_CASES]
)
def test_mentions_of_rendered_templates(template: str, expected: list[str]) -> None:
    event = make_event(
        tags=("service:web", "team:storage", "host:web-1"),
        values={"value": 1, "raw_handle": "@case-from-value"},
    )
    rendered = parse(template).render(event)
    assert [m.raw for m in rendered.mentions] == expected
    assert rendered.mentions == extract_mentions(rendered.text)


def test_handles_in_many_data_sections_keep_the_order_of_the_text() -> None:
    """Past MAX_DECIDED_SECTIONS, data sections render nested bodies at render time."""
    sections = "".join(
        f'{{{{#is_match "host.name" "w"}}}} @case-n{i} {{{{/is_match}}}}' for i in range(8)
    )
    rendered = parse("@case-top " + sections + " @case-end").render(make_event(tags=("host:web",)))
    assert [m.raw for m in rendered.mentions] == [
        "@case-top",
        *(f"@case-n{i}" for i in range(8)),
        "@case-end",
    ]
