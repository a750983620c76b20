"""A rich progress bar on stderr with the step count and the latest loss; silent off a terminal."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class LossBar:
    """``with LossBar(total, start, enabled) as bar: bar.update(step, loss)``; nothing is drawn when
    ``enabled`` is false or stderr is not a terminal (CI logs, redirected output)."""

    def __init__(self, total: int, start: int, enabled: bool, description: str = "training"):
        console = Console(stderr=True)
        self._bar = None
        if enabled and console.is_terminal:
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
                                 TimeRemainingColumn(), console=console, transient=True)
            self._task = self._bar.add_task(description, total=total, completed=start, loss="-")

    def __enter__(self) -> LossBar:
        if self._bar is not None:
            self._bar.start()
        return self

    def update(self, step: int, loss: float | None = None) -> None:
        """Show ``step`` steps done and, when given, ``loss``."""
        if self._bar is not None:
            fields = {} if loss is None else {"loss": f"{loss:.4g}"}
            self._bar.update(self._task, completed=step, **fields)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
