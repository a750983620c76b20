"""Progress of long work, always on stderr: a rich bar on a terminal, plain log lines elsewhere.

Off a terminal (a pipe, a file, a CI log) a line such as
``zs-n2n: training 120/400 (30%) 12.1 s elapsed, ~28 s left`` is printed when the work starts,
whenever another tenth is done or ``LOG_EVERY_S`` seconds have passed since the last line, and
when it ends. stdout is never written to, so a piped result stays clean; a disabled progress
(``--quiet``) prints nothing at all.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TypeVar

T = TypeVar("T")

LOG_EVERY_S = 30.0


class Progress:
    """``with Progress(description, total) as p: p.update(done, loss="0.1")`` reports ``done`` of
    ``total`` (``None``: unknown) plus the given fields; ``completed`` is where the work starts."""

    def __init__(self, description: str, total: int | None = None, *, completed: int = 0, enabled: bool = True,
                 clock: Callable[[], float] = time.monotonic):
        from rich.console import Console

        self.description, self.total, self.completed = description, total, completed
        self._enabled, self._clock, self._fields = enabled, clock, ""
        self._bar = None
        console = Console(stderr=True)
        if enabled and console.is_terminal:
            from rich import progress as rich

            self._bar = rich.Progress(rich.TextColumn("{task.description}"), rich.BarColumn(),
                                      rich.MofNCompleteColumn(), rich.TextColumn("{task.fields[extra]}"),
                                      rich.TimeElapsedColumn(), rich.TimeRemainingColumn(),
                                      console=console, transient=True)
            self._task = self._bar.add_task(description, total=total, completed=completed, extra="")

    @property
    def _logging(self) -> bool:
        return self._enabled and self._bar is None

    def __enter__(self) -> Progress:
        self._started = self._last_time = self._clock()
        self._first = self._logged = self.completed
        if self._bar is not None:
            self._bar.start()
        elif self._logging:
            self._log()
        return self

    def update(self, completed: int, **fields: str) -> None:
        """Report ``completed`` steps done; ``fields`` (such as ``loss="0.0123"``) are shown beside them."""
        previous, self.completed = self.completed, completed
        if fields:
            self._fields = ", ".join(f"{name} {value}" for name, value in fields.items())
        if self._bar is not None:
            self._bar.update(self._task, completed=completed, extra=self._fields)
        elif self._logging and (self._clock() - self._last_time >= LOG_EVERY_S
                                or self._tenth(completed) > self._tenth(previous)):
            self._log()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self._logging and kind is None and self.completed != self._logged:
            self._log()

    def _tenth(self, completed: int) -> int:
        return 10 * completed // self.total if self.total else 0

    def _log(self) -> None:
        now = self._clock()
        elapsed = now - self._started
        if self.total:
            line = f"{self.description} {self.completed}/{self.total} ({100 * self.completed // self.total}%)"
        else:
            line = f"{self.description} {self.completed}"
        line += f" {elapsed:.1f} s elapsed"
        done_here = self.completed - self._first
        if self.total and 0 < done_here and self.completed < self.total:
            line += f", ~{elapsed / done_here * (self.total - self.completed):.0f} s left"
        if self._fields:
            line += f", {self._fields}"
        print(line, file=sys.stderr, flush=True)
        self._last_time, self._logged = now, self.completed


def track(items: Iterable[T], description: str, total: int | None = None, *, enabled: bool = True) -> Iterator[T]:
    """Iterate over ``items`` reporting progress on stderr (see :class:`Progress`); ``total``
    defaults to ``len(items)`` when it has one."""
    if not enabled:
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(description, total) as progress:
        for done, item in enumerate(items, 1):
            yield item
            progress.update(done)
