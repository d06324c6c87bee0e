"""The notification-message language: parse, render, extract mentions, lint.

Standard library only; could be published on its own.
"""

from handles.types import Event, Mention, Rendered, State, Transition

__all__ = ["Event", "Mention", "Rendered", "State", "Transition"]
