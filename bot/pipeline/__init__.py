"""The stages a delivery flows through, in order:

    parse → dedupe → render → decide → persist → announce

One module each (parse.py, dedupe.py, render.py, decide.py, persist.py,
announce.py), composed in one place: `Pipeline` (pipeline.py). What flows out,
the reports and the outcomes a delivery settles with, is reports.py.
"""

from bot.pipeline.pipeline import Pipeline
from bot.pipeline.reports import (
    Delivery,
    DeliveryReport,
    EventReport,
    Listener,
    Notification,
    NotificationListener,
)

__all__ = [
    "Delivery",
    "DeliveryReport",
    "EventReport",
    "Listener",
    "Notification",
    "NotificationListener",
    "Pipeline",
]
