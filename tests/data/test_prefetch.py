"""The background thread that makes the next batch: order kept, errors raised in the caller, clean stop."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from denoisekit.data.prefetch import background


def prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "denoisekit-prefetch"]


def test_items_come_in_order() -> None:
    assert list(background(range(20), depth=3)) == list(range(20))
    assert not prefetch_threads()


def test_an_error_in_the_thread_is_raised_in_the_caller() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise KeyError("batch 3")

    seen = []
    with pytest.raises(KeyError, match="batch 3"):
        for item in background(failing()):
            seen.append(item)
    assert seen == [1, 2]
    assert not prefetch_threads()


def test_stopping_early_stops_the_thread() -> None:
    items = background(iter(range(1000)))
    assert next(items) == 0
    items.close()
    assert not prefetch_threads()
