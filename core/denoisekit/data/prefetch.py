"""Make the next batch in a background thread while the caller uses this one.

The idea of MONAI's ``ThreadBuffer`` (under ``ThreadDataLoader``), written out here because
importing ``monai.data`` costs about 1.5 s and 130 MiB per process, and because its thread ends the
iteration early, silently, when the source fails: here the source's exception is raised in the
caller. Torch releases the GIL in its kernels, so cutting and stacking (thread) overlap with the
degradation and the training step (caller).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from queue import Full, Queue
from typing import Any, TypeVar

T = TypeVar("T")
_END = object()


def _put(queue: Queue, value: Any, stop: threading.Event) -> bool:
    """Put ``value`` unless the consumer has stopped; whether it was put."""
    while not stop.is_set():
        try:
            queue.put(value, timeout=0.05)
            return True
        except Full:
            continue
    return False


def background(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """``items``, made by a daemon thread up to ``depth`` ahead; its exception is raised here.

    When the caller stops early (``break``), the thread stops after the item it is making.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(queue, (item, None), stop):
                    return
        except BaseException as e:  # handed to the caller, who raises it
            _put(queue, (_END, e), stop)
            return
        _put(queue, (_END, None), stop)

    thread = threading.Thread(target=produce, name="denoisekit-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, error = queue.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join()
