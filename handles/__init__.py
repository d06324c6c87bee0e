"""The notification-message language: parse, render, extract mentions, preview, lint.

Standard library only; could be published on its own.

    template = parse("{{#is_alert}}Disk full on {{host.name}} @case-storage{{/is_alert}}")
    rendered = template.render(event)   # Rendered(text, mentions, priority, warnings)
    rows = preview(text, event)         # one PreviewRow per transition in TRANSITIONS
    diagnostics = lint(text, known_handles=["@case-storage"])
"""

from handles.conditions import TRANSITIONS, TRUTH_TABLE, transition_by_name, transition_name
from handles.errors import TemplateError, TemplateSyntaxError
from handles.lint import Diagnostic, lint
from handles.mentions import extract_mentions
from handles.preview import PreviewRow, preview
from handles.template import Template, parse
from handles.types import Event, Mention, Rendered, State, Transition

__all__ = [
    "TRANSITIONS",
    "TRUTH_TABLE",
    "Diagnostic",
    "Event",
    "Mention",
    "PreviewRow",
    "Rendered",
    "State",
    "Template",
    "TemplateError",
    "TemplateSyntaxError",
    "Transition",
    "extract_mentions",
    "lint",
    "parse",
    "preview",
    "transition_by_name",
    "transition_name",
]
