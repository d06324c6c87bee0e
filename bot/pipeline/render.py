"""Stage 3, render: the message as it reads for the transition (the notification language).

Datadog bodies arrive rendered: only their mentions are read.
"""

from __future__ import annotations

import handles
from bot.core.alert_cycles import GroupState
from bot.core.events import MonitorEvent
from handles.types import Event, Rendered, Transition


def render(
    event: MonitorEvent, transition: Transition, group: GroupState
) -> tuple[Rendered, str | None]:
    """The message as it reads for this transition, and a note if it could not be rendered.

    A message with a template error opens no case (its mentions cannot be trusted:
    they may sit in a block meant for another transition); the event still counts
    for the group and lands on the cycle's cases with the raw text.
    """
    if event.rendered:
        return Rendered(event.message, handles.extract_mentions(event.message)), None
    try:
        template = handles.parse(event.message)
        return template.render(
            Event(
                transition=transition,
                tags=event.tags,
                values=event.values,
                attributes=event.attributes,
                first_triggered_at=group.cycle_started_at or event.first_triggered_at,
                last_triggered_at=group.last_triggered_at,
                occurred_at=event.occurred_at,
            )
        ), None
    except handles.TemplateError as error:
        return Rendered(event.message), f"message not rendered: {error}"
