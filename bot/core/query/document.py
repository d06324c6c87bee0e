"""What a query is matched against: named multi-valued fields plus free text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

FieldValue = str | Iterable[str] | None


@dataclass(frozen=True, slots=True)
class Document:
    """A thing to search: `fields` maps a key to its values, `text` is free text.

    Keys are compared case-insensitively (they are stored lower-cased). A key
    may carry several values (an issue owned by two teams). `text` holds the
    fields that bare words and phrases search, such as an issue's title and
    error message. Case-folded copies are made once here so that matching
    many queries against one document does not fold the same strings again.
    """

    fields: Mapping[str, tuple[str, ...]]
    text: tuple[str, ...] = ()
    folded: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    folded_text: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields = {key.lower(): tuple(values) for key, values in self.fields.items()}
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "text", tuple(self.text))
        object.__setattr__(
            self,
            "folded",
            {key: frozenset(v.casefold() for v in values) for key, values in fields.items()},
        )
        object.__setattr__(self, "folded_text", tuple(t.casefold() for t in self.text))

    @classmethod
    def of(cls, fields: Mapping[str, FieldValue], *, text: Iterable[str] = ()) -> Document:
        """Build from loose values: a single string, several strings, or None (absent)."""
        normal: dict[str, tuple[str, ...]] = {}
        for key, value in fields.items():
            if value is None:
                continue
            values = (value,) if isinstance(value, str) else tuple(value)
            if values:
                normal[key] = values
        return cls(normal, tuple(text))
