"""The in-memory form of one input or output: an array plus what its format needs to write it back."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Sample:
    """An array read from a file, with its axes and the header needed to write it back.

    array: numpy array as stored (dtype kept, so a writer can restore it).
    axes: one letter per array axis, each at most once, in the order the file stores them:
        ``H``/``W`` image rows/columns (for k-space: the two encoding axes), ``D`` slices of a
        volume or series, ``C`` channels (colour, spectral bands, audio channels), ``T`` time
        (audio samples or video frames), ``K`` receiver coils (multi-coil MRI). Complex data are
        a complex dtype, not an axis. :mod:`denoisekit.layouts` turns them into the order a
        method wants and back.
    format: name of the :class:`denoisekit.records.FormatRecord` that read it.
    meta: format-specific header (NIfTI affine, DICOM dataset, ENVI header, sample rate, ...).
    data_range: the value range used by PSNR/SSIM (e.g. 255 for 8-bit images); None means
        the reference's max - min.
    path: the file it was read from, if any.
    display_window: (low, high) values shown black and white in report.png (CT: a HU window);
        None: the reference's (else the input's) 0.5 to 99.5 percentiles.
    description: a short text saying how the data were processed; every writer whose format has
        a place for it keeps it (DICOM SeriesDescription, ENVI description, NIfTI descrip, PNG text).
    rate: samples per second along ``T`` (audio at any sample rate, frames per second), if known.
    regions: named boolean masks that come with the data (regions of interest such as an echocardiogram's
        cavity and myocardium), over the image axes or one per frame; metrics that declare
        ``needs=("regions",)`` receive the reference's. A writer whose format has a place for them keeps them.
    """

    array: np.ndarray
    axes: str
    format: str
    meta: dict[str, Any] = field(default_factory=dict)
    data_range: float | None = None
    path: Path | None = None
    display_window: tuple[float, float] | None = None
    description: str | None = None
    rate: float | None = None
    regions: Mapping[str, np.ndarray] | None = None

    def __post_init__(self) -> None:
        if self.array.ndim != len(self.axes):
            raise ValueError(f"array has {self.array.ndim} dimensions but axes is {self.axes!r}")
        if self.display_window is not None:
            low, high = (float(v) for v in self.display_window)
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ValueError(f"display_window {self.display_window!r}: need finite low < high")
            object.__setattr__(self, "display_window", (low, high))
        if self.description is not None and not isinstance(self.description, str):
            raise ValueError(f"description must be a str, got {type(self.description).__name__}")
        if self.rate is not None and not (math.isfinite(self.rate) and self.rate > 0):
            raise ValueError(f"rate must be a positive number, got {self.rate!r}")
        if self.regions is not None:
            bad = [name for name, mask in self.regions.items() if np.asarray(mask).dtype != np.bool_]
            if bad:
                raise ValueError(f"regions must be boolean masks; not boolean: {', '.join(map(str, bad))}")
            object.__setattr__(self, "regions", MappingProxyType(dict(self.regions)))

    def with_array(self, array: np.ndarray) -> Sample:
        """A copy holding ``array`` (same shape and axes) and the same header."""
        if array.shape != self.array.shape:
            raise ValueError(f"shape {array.shape} differs from the input's {self.array.shape}")
        return replace(self, array=array)
