"""The console's colours keep text readable: WCAG contrast of at least 4.5:1 for every
pair of text and background colour the style sheet uses together."""

from __future__ import annotations

import re

import pytest

from bot.web.pages.rendering import STATIC_DIR

CSS = (STATIC_DIR / "casebot.css").read_text()
VARIABLES = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def _colour(name: str) -> str:
    return VARIABLES.get(name, name)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


PAIRS = [
    ("text", "bg"), ("text", "panel"), ("muted", "bg"), ("muted", "panel"), ("link", "bg"),
    ("link", "panel"), ("#ffffff", "primary"), ("danger", "bg"), ("ok", "bg"), ("warn", "bg"),
    ("#0b4fbf", "bg"), ("text", "#fff4d6"), ("text", "#e3f4e8"),
]  # fmt: skip


@pytest.mark.parametrize("foreground,background", PAIRS)
def test_text_is_readable(foreground: str, background: str) -> None:
    ratio = contrast(_colour(foreground), _colour(background))
    assert ratio >= 4.5, f"{foreground} on {background}: {ratio:.2f}:1"


def test_the_pairs_name_colours_the_style_sheet_has() -> None:
    for name in {name for pair in PAIRS for name in pair if not name.startswith("#")}:
        assert name in VARIABLES, name
