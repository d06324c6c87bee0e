"""The two spellings, blocks, raw text, comments and the errors with line:col."""

from __future__ import annotations

import pytest

from handles import State, TemplateSyntaxError, parse
from tests.handles.events import make_event

ALERT = make_event(State.OK, State.ALERT)
RECOVERY = make_event(State.ALERT, State.OK)


@pytest.mark.parametrize(
    ("template", "on_alert", "on_recovery"),
    [
        ("{{#is_alert}}a{{/is_alert}}", "a", ""),
        ("<<#is_alert>>a<</is_alert>>", "a", ""),
        ("{{^is_alert}}n{{/is_alert}}", "", "n"),
        ("<<^is_alert>>n<</is_alert>>", "", "n"),
        ("{{#is_alert}}a{{else}}b{{/is_alert}}", "a", "b"),
        ("<<#is_alert>>a<<else>>b<</is_alert>>", "a", "b"),
        ("{{^is_alert}}n{{else}}y{{/is_alert}}", "y", "n"),
        ("{{#is_alert}}<<#is_renotify>>r<</is_renotify>>a{{/is_alert}}", "a", ""),
        ("<<#is_alert>>{{#is_alert}}x{{/is_alert}}<</is_alert>>", "x", ""),
        ("{{ #is_alert }}a{{ /is_alert }}", "a", ""),
        ("{{#is_alert}}{{#is_recovery}}never{{/is_recovery}}{{/is_alert}}", "", ""),
        ("a << b >> c", "a << b >> c", "a << b >> c"),
        ("cat <<EOF\nline\nEOF", "cat <<EOF\nline\nEOF", "cat <<EOF\nline\nEOF"),
        ("x<<2", "x<<2", "x<<2"),
        ("1 <<< 2", "1 <<< 2", "1 <<< 2"),
        ("stray }} and >>", "stray }} and >>", "stray }} and >>"),
        ("{{! a comment }}text", "text", "text"),
        ("{{!-- a }} comment --}}text", "text", "text"),
        ("{{!-- short form }}text", "text", "text"),
        ("<<! comment >>text", "text", "text"),
        ("<<!-- spans\nlines -->>text", "text", "text"),
        (
            "{{{{raw}}}}{{#is_alert}}{{value}}{{{{/raw}}}}",
            "{{#is_alert}}{{value}}",
            "{{#is_alert}}{{value}}",
        ),
        ("<<<<raw>>>><<value>><<<</raw>>>>", "<<value>>", "<<value>>"),
        (
            '{{{{is_match "host.name" "web"}}}}{{literal}}{{{{/is_match}}}}',
            "{{literal}}",
            "{{literal}}",
        ),
        ("{{{{raw}}}}{{{{/raw}}}}", "", ""),
    ],
)
def test_render(template: str, on_alert: str, on_recovery: str) -> None:
    parsed = parse(template)
    assert parsed.render(_with_host(ALERT)).text == on_alert
    assert parsed.render(_with_host(RECOVERY)).text == on_recovery


def _with_host(event):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(event, tags=("host:web-1",))


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{#is_alert}}\nA\n{{/is_alert}}\nend\n", "A\nend\n"),
        ("  {{#is_alert}}  \nA\n  {{/is_alert}}\r\nend", "A\nend"),
        ("{{#is_alert}}\nA\n{{else}}\nB\n{{/is_alert}}\n", "A\n"),
        ("{{! note }}\nA\n", "A\n"),
        ("x {{#is_alert}}\nA\n{{/is_alert}} y", "x \nA\n y"),
        ("{{#is_alert}}{{#is_alert}}\nA\n{{/is_alert}}{{/is_alert}}\n", "\nA\n\n"),
        ("{{value}}\nA", "\nA"),
        ("<<#is_alert>>\nA\n<</is_alert>>\n", "A\n"),
    ],
    ids=[
        "open-close",
        "indented-crlf",
        "else",
        "comment",
        "not-alone",
        "two-tags",
        "variable",
        "angle",
    ],
)
def test_a_tag_alone_on_its_line_takes_the_line(template: str, expected: str) -> None:
    assert parse(template).render(ALERT).text == expected


@pytest.mark.parametrize(
    ("template", "line", "col", "code", "words"),
    [
        ("{{#is_alert}}x", 1, 1, "unclosed-block", "never closed"),
        ("a\nb {{#is_alert}}x", 2, 3, "unclosed-block", "never closed"),
        ("{{#is_alert}}x{{/is_warning}}", 1, 15, "mismatched-block", "does not match"),
        ("{{#is_alert}}x<</is_alert>>", 1, 15, "mismatched-block", "does not match"),
        ("<<#is_alert>>x{{/is_alert}}", 1, 15, "mismatched-block", "does not match"),
        ("x{{/is_alert}}", 1, 2, "unopened-block", "closes nothing"),
        ("{{else}}", 1, 1, "syntax", "outside a section"),
        ("{{#is_alert}}{{else}}{{else}}{{/is_alert}}", 1, 22, "syntax", "second"),
        ("text {{value", 1, 6, "unclosed-tag", "never closed"),
        ("{{{value}}", 1, 1, "unclosed-tag", "never closed"),
        ("{{}}", 1, 1, "syntax", "empty tag"),
        ("{{#}}x{{/}}", 1, 1, "syntax", "needs a name"),
        ("{{> partial}}", 1, 1, "syntax", "not supported"),
        ("{{&value}}", 1, 1, "syntax", "not supported"),
        ('\n\n  {{x y"}}', 3, 8, "syntax", "unterminated string"),
        ('{{#is_match "host.name"}}x{{/is_match}}', 1, 1, "syntax", "at least one string"),
        ('{{#is_match host.name "x"}}x{{/is_match}}', 1, 1, "syntax", "quoted variable"),
        ("{{#is_priority 'P9'}}x{{/is_priority}}", 1, 1, "syntax", "is_priority"),
        ("{{override_priority 'urgent'}}", 1, 21, "syntax", "override_priority"),
        ("{{override_priority}}", 1, 1, "syntax", "takes 1"),
        ("{{local_time 'last_triggered_at' 'Mars/Olympus'}}", 1, 34, "syntax", "time zone"),
        ('{{eval "1 +"}}', 1, 12, "syntax", "eval"),
        ('{{eval "value ** 2"}}', 1, 16, "syntax", "eval"),
        ('{{eval "nope(1)"}}', 1, 9, "syntax", "unknown function"),
        ("{{eval value}}", 1, 1, "syntax", "quoted"),
        ("{{{{raw}}}}x", 1, 1, "unclosed-block", "raw block"),
        ("{{{{#raw}}}}x{{{{/#raw}}}}", 1, 1, "syntax", "plain name"),
        ("{{[open.name}}", 1, 3, "syntax", "not a variable name"),
        ("{{\n{{}}", 1, 1, "syntax", "not a variable name"),
        ("{{{\n{x}}}", 1, 1, "syntax", "not a variable name"),
        ('{{eval\n"1 +"}}', 1, 1, "syntax", "eval"),
        ('{{#is_match\n"host.name"\nx}}y{{/is_match}}', 1, 1, "syntax", "strings or numbers"),
    ],
)
def test_syntax_errors_name_line_and_column(
    template: str, line: int, col: int, code: str, words: str
) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse(template)
    error = caught.value
    assert (error.line, error.col, error.code) == (line, col, code)
    assert words in error.message
    assert f"line {line}, column {col}" in str(error)


def test_suggestions_say_how_to_fix() -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse("{{#is_alert}}x{{/is_warning}}")
    assert caught.value.suggestion == "close it with {{/is_alert}}"
    with pytest.raises(TemplateSyntaxError) as unclosed:
        parse("<<^is_renotify>>x")
    assert unclosed.value.suggestion == "add <</is_renotify>>"


def test_columns_count_characters_not_bytes() -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse("é€😀 {{#x}}")
    assert (caught.value.line, caught.value.col) == (1, 5)
