"""Documented bounds that keep untrusted templates from hanging or exhausting memory.

Templates come from monitor authors and from webhook payloads, so every loop in
parsing and rendering is bounded by the input size or by one of these numbers.
"""

from __future__ import annotations

# Sections nested deeper than this are refused at parse time. Real messages nest
# two or three levels; 32 leaves room without inviting pathological input.
MAX_DEPTH = 32

# Rendered text longer than this stops rendering with a TemplateError. Slack caps
# a message at 40,000 characters; 256 KiB bounds the memory a template with many
# references to a large variable can claim.
MAX_OUTPUT_CHARS = 256 * 1024

# `{{eval}}`: expression text, nesting of parentheses/operators, and the largest
# exponent magnitude accepted by `^`.
MAX_EXPRESSION_CHARS = 1000
MAX_EXPRESSION_DEPTH = 32
MAX_EXPONENT = 1024
