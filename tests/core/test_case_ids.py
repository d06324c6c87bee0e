"""Case ids sort by creation time (UUID version 7), so that new cases are written at
the end of the indexes on case ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.case_ids import new_case_id

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=2, max_size=20, unique=True))
def test_ids_made_later_sort_after_ids_made_earlier(offsets_ms: list[int]) -> None:
    made = [(ms, new_case_id(T0 + timedelta(milliseconds=ms))) for ms in offsets_ms]
    by_id = [ms for ms, _ in sorted(made, key=lambda pair: pair[1].bytes)]
    assert by_id == sorted(offsets_ms)


def test_an_id_is_a_version_7_uuid_carrying_its_millisecond_and_random_bits() -> None:
    ids = {new_case_id(T0) for _ in range(1000)}
    assert len(ids) == 1000  # the same millisecond: the random bits tell them apart
    for made in ids:
        assert made.version == 7 and made.variant == uuid.RFC_4122
        assert made.int >> 80 == int(T0.timestamp() * 1000)
        assert uuid.UUID(str(made)) == made
