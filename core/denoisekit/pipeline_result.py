"""What a pipeline returns: the restored sample, named extra arrays and notes (docs/writing-plugins.md).

Typed fields instead of string keys in ``Sample.meta``: a misspelt field is a ``TypeError`` when the
result is built, not an output the runner silently skips.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from denoisekit.sample import Sample

_EXTRA_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True)
class PipelineResult:
    """A pipeline's output.

    sample: the restored data, written by the input's format under the input's name.
    extras: named arrays written beside it as ``<input stem>.<name>.npy`` (names: lower-case letters,
        digits, ``-`` and ``_``), e.g. ``ct/filter2noise``'s learned ``sigma_maps``.
    notes: JSON-friendly values written as ``run.json``'s ``notes``: the only way a pipeline reports notes.
    """

    sample: Sample
    extras: Mapping[str, np.ndarray] = field(default_factory=dict)
    notes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.sample, Sample):
            raise TypeError(f"PipelineResult.sample must be a Sample, got {type(self.sample).__name__}")
        for name in self.extras:
            if not isinstance(name, str) or not _EXTRA_NAME.fullmatch(name):
                raise ValueError(f"extra output name {name!r}: use lower-case letters, digits, '-' and '_'")
        extras = {name: np.asarray(value) for name, value in self.extras.items()}
        object.__setattr__(self, "extras", MappingProxyType(extras))
        object.__setattr__(self, "notes", frozen_notes(self.notes))


def frozen_notes(notes: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy of ``notes`` (run.json's or train.json's); names must be strings."""
    if not all(isinstance(key, str) for key in notes):
        raise ValueError("note names must be strings")
    return MappingProxyType(dict(notes))


def as_result(value: Any) -> PipelineResult:
    """``value`` as a :class:`PipelineResult` (a bare :class:`Sample` has no extras or notes)."""
    if isinstance(value, PipelineResult):
        return value
    if isinstance(value, Sample):
        return PipelineResult(value)
    raise TypeError(f"returned {type(value).__name__}, expected a PipelineResult or a Sample")
