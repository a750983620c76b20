"""The training progress: step count and latest loss on stderr (see :mod:`denoisekit.progress`)."""

from __future__ import annotations

from denoisekit.progress import Progress


class LossBar(Progress):
    """``with LossBar(total, start, enabled) as bar: bar.update(step, loss)``: a bar on a terminal,
    log lines elsewhere (CI logs, redirected output), nothing when ``enabled`` is false."""

    def __init__(self, total: int, start: int, enabled: bool, description: str = "training"):
        super().__init__(description, total, completed=start, enabled=enabled)

    def update(self, step: int, loss: float | None = None) -> None:  # type: ignore[override]
        """Show ``step`` steps done and, when given, ``loss``."""
        super().update(step, **({} if loss is None else {"loss": f"{loss:.4g}"}))
