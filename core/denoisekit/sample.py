"""The in-memory form of one input or output: an array plus what its format needs to write it back."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Sample:
    """An array read from a file, with its axes and the header needed to write it back.

    array: numpy array as stored (dtype kept, so a writer can restore it).
    axes: one letter per array axis: ``H``/``W`` image rows/columns, ``D`` slices of a volume,
        ``C`` channels, ``T`` time. Pipelines use it to find slices and channels.
    format: name of the :class:`denoisekit.records.FormatRecord` that read it.
    meta: format-specific header (NIfTI affine, DICOM dataset, ENVI header, sample rate, ...).
    data_range: the value range used by PSNR/SSIM (e.g. 255 for 8-bit images); None means
        the reference's max - min.
    path: the file it was read from, if any.
    """

    array: np.ndarray
    axes: str
    format: str
    meta: dict[str, Any] = field(default_factory=dict)
    data_range: float | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        if self.array.ndim != len(self.axes):
            raise ValueError(f"array has {self.array.ndim} dimensions but axes is {self.axes!r}")

    def with_array(self, array: np.ndarray) -> Sample:
        """A copy holding ``array`` (same shape and axes) and the same header."""
        if array.shape != self.array.shape:
            raise ValueError(f"shape {array.shape} differs from the input's {self.array.shape}")
        return replace(self, array=array)
