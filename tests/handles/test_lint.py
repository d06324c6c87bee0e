"""lint(): each check, with its line, column, severity, code and suggestion."""

from __future__ import annotations

import pytest

from handles.lint import ERROR, INFO, WARNING, Diagnostic, lint

RECOVERED = "{{#is_recovery}}@case-storage{{/is_recovery}}"


def _one(text: str, code: str, **kwargs: object) -> Diagnostic:
    found = [d for d in lint(text, **kwargs) if d.code == code]  # type: ignore[arg-type]
    assert len(found) == 1, lint(text, **kwargs)  # type: ignore[arg-type]
    return found[0]


def test_clean_message_has_no_diagnostics() -> None:
    text = (
        "{{#is_alert}}Disk full on {{host.name}}: {{value}}% @case-storage{{/is_alert}}\n"
        + RECOVERED
    )
    assert lint(text, known_handles=["@case-storage"]) == []


@pytest.mark.parametrize(
    ("text", "code", "position", "severity", "suggestion"),
    [
        (
            "{{#is_alrt}}x{{/is_alrt}}",
            "unknown-conditional",
            (1, 1),
            ERROR,
            "did you mean is_alert?",
        ),
        (
            "a\n{{^is_recovry}}x{{/is_recovry}}",
            "unknown-conditional",
            (2, 1),
            ERROR,
            "did you mean is_recovery?",
        ),
        (
            '{{#is_mach "host.name" "x"}}y{{/is_mach}}',
            "unknown-conditional",
            (1, 1),
            ERROR,
            "did you mean is_match?",
        ),
        ("{{#alert}}x{{/alert}}", "variable-section", (1, 1), WARNING, "did you mean is_alert?"),
        ("value {{vaule}}", "unknown-variable", (1, 7), WARNING, "did you mean value?"),
        ("{{thresold}}", "unknown-variable", (1, 1), WARNING, "did you mean threshold?"),
        ('{{#is_match "hots" "x"}}y{{/is_match}}', "unknown-variable", (1, 13), WARNING, None),
        ('{{eval "vlaue*2"}}', "unknown-variable", (1, 1), WARNING, "did you mean value?"),
        ('{{evl "1"}}', "unknown-helper", (1, 1), ERROR, "did you mean eval?"),
        (
            "{{local_time 'last_trigered_at' 'UTC'}}",
            "local-time-variable",
            (1, 14),
            WARNING,
            "did you mean last_triggered_at?",
        ),
        (
            "{{#is_alert}}x{{/is_warning}}",
            "mismatched-block",
            (1, 15),
            ERROR,
            "close it with {{/is_alert}}",
        ),
        ("{{#is_alert}}x", "unclosed-block", (1, 1), ERROR, "add {{/is_alert}}"),
        ("<<#is_alert>>x", "unclosed-block", (1, 1), ERROR, "add <</is_alert>>"),
        ("x {{/is_alert}}", "unopened-block", (1, 3), ERROR, None),
        (
            "{{value}}@slack-ops",
            "handle-not-separated",
            (1, 10),
            WARNING,
            "put a space before @slack-ops",
        ),
        ("see(@case-storage)", "handle-not-separated", (1, 5), WARNING, None),
        ("a @slack-ops(x) b", "handle-parentheses", (1, 3), WARNING, None),
        ("a @case-a&b", "invalid-handle", (1, 3), WARNING, None),
        (
            "{{#is_alert}}\n  @pagerduty-db\n{{/is_alert}}",
            "missing-recovery",
            (2, 3),
            INFO,
            "add @pagerduty-db to a {{#is_recovery}} block as well",
        ),
    ],
)
def test_diagnostic(
    text: str, code: str, position: tuple[int, int], severity: str, suggestion: str | None
) -> None:
    diagnostic = _one(text, code)
    assert (diagnostic.line, diagnostic.col) == position
    assert diagnostic.severity == severity
    if suggestion is not None:
        assert diagnostic.suggestion == suggestion


def test_misspelt_case_handle_against_known_handles() -> None:
    text = "{{#is_alert}}@case-stroage{{/is_alert}}{{#is_recovery}}@case-stroage{{/is_recovery}}"
    diagnostics = [
        d
        for d in lint(text, known_handles=["@case-storage", "@case-network"])
        if d.code == "unknown-handle"
    ]
    assert [(d.line, d.col) for d in diagnostics] == [(1, 14), (1, 56)]
    assert diagnostics[0].suggestion == "did you mean @case-storage?"
    assert diagnostics[0].severity == ERROR


def test_known_handles_check_only_their_kinds() -> None:
    text = "@case-storage @slack-anything @webhook-x"
    assert lint(text, known_handles=["case-storage"]) == []


def test_dynamic_handles_are_not_flagged() -> None:
    assert lint("@slack-{{service.name}} @team-{{team.name}}@example.com") == []


def test_handles_outside_blocks_need_no_recovery_block() -> None:
    assert lint("{{value}} @case-storage") == []


def test_recovery_hint_is_satisfied_by_a_specific_recovery_block() -> None:
    text = (
        "{{#is_alert}}@case-storage{{/is_alert}}"
        "{{#is_alert_recovery}}@case-storage{{/is_alert_recovery}}"
    )
    assert [d.code for d in lint(text)] == []


def test_workflow_argument_form_is_a_handle() -> None:
    assert lint("@workflow-restart(host=web-1, force=true)") == []


def test_syntax_error_stops_at_one_diagnostic() -> None:
    diagnostics = lint("{{#is_alrt}}x\n{{value")
    assert [(d.code, d.line, d.col) for d in diagnostics] == [("unclosed-tag", 2, 1)]


def test_format_is_file_line_col_severity_message() -> None:
    (diagnostic,) = lint("{{#is_alrt}}x{{/is_alrt}}")
    assert diagnostic.format("m.md") == (
        "m.md:1:1: error: 'is_alrt' is not a conditional; the section is never shown "
        "(did you mean is_alert?)"
    )
