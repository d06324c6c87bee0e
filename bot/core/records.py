"""`record`: the immutable value classes of the alert path, cheap to make.

A `@dataclass(frozen=True)` guards every field with `object.__setattr__` in
its `__init__`, a Python call per field: a 19-field `MonitorEvent` took ~5 µs
to make (a plain slotted dataclass ~0.6 µs), and one alert makes a dozen such
objects on the way from its payload to the stored group. A `record` is
frozen for the type checker (mypy rejects assigning to a field, as with
`frozen=True`) and hashable by its fields, but its `__init__` is the plain
one: the promise not to mutate is checked where the code is checked, not
paid again at every construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

__all__ = ["record"]

T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """A slotted dataclass, frozen to mypy, with the plain (fast) `__init__`."""
    return dataclass(slots=True, unsafe_hash=True)(cls)
