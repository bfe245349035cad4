"""The one-step-ahead worker: order kept, errors handed over, an early stop stops it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from xinyong.core.prefetch import prefetch


def test_items_come_in_order() -> None:
    assert list(prefetch(iter(range(100)), depth=2)) == list(range(100))


def test_an_error_in_the_worker_is_raised_where_it_happened() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("第 3 块读不出来")

    seen: list[int] = []
    with pytest.raises(ValueError, match="第 3 块"):
        seen.extend(prefetch(items()))
    assert seen == [1, 2]


def test_stopping_early_stops_the_worker() -> None:
    produced = []

    def items() -> Iterator[int]:
        for n in range(1_000):
            produced.append(n)
            yield n

    for item in prefetch(items()):
        if item == 3:
            break
    assert len(produced) < 10  # at most a step or two ahead, then stopped
    assert not any(t.name == "prefetch" for t in threading.enumerate())
