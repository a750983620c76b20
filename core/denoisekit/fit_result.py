"""What a training fit returns: the weights payload and notes (docs/training.md).

The fit of a :class:`~denoisekit.records.TrainingRecord` returns a :class:`FitResult`, or the bare weights
payload when it has nothing to note; ``denoisekit train`` writes ``weights`` to ``weights.pt`` and ``notes`` to
``train.json``, as a pipeline's :class:`~denoisekit.pipeline_result.PipelineResult` notes go to ``run.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from denoisekit.pipeline_result import frozen_notes


@dataclass(frozen=True)
class FitResult:
    """A fit's output.

    weights: the payload of ``weights.pt`` (tensors and plain values, loadable with
        ``torch.load(weights_only=True)``).
    notes: JSON-friendly values written as ``train.json``'s ``notes``.
    """

    weights: Mapping[str, Any]
    notes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.weights, Mapping):
            raise TypeError(f"FitResult.weights must be a dict, got {type(self.weights).__name__}")
        object.__setattr__(self, "notes", frozen_notes(self.notes))


def as_fit_result(value: Any) -> FitResult:
    """``value`` as a :class:`FitResult` (a bare weights dict has no notes)."""
    if isinstance(value, FitResult):
        return value
    if isinstance(value, Mapping):
        return FitResult(value)
    raise TypeError(f"training returned {type(value).__name__}, expected a FitResult or a dict of weights")
