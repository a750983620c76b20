"""A hyperspectral sample as a float32 cube (bands, H, W), and back.

The band axis is ``C`` (the ENVI and .mat readers' "HWC"); a 3-D array without one (a .npy, which the image
domain's reader labels "DHW") is taken as (rows, columns, bands), the plugin's convention for .npy cubes
(docs/domains/hsi.md). Non-finite values and cubes with fewer than two bands or under 2x2 pixels are refused with
an InputError.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from denoisekit.errors import InputError
from denoisekit.sample import Sample


@dataclass(frozen=True)
class Cube:
    """``data`` (bands, H, W) float32 and the axis order that puts it back in the sample's layout."""

    data: np.ndarray
    order: tuple[int, int, int]

    def restore(self, out: np.ndarray, sample: Sample, clip: bool) -> Sample:
        """``out`` (bands, H, W) in the sample's layout, float (the input's float type or float32), clipped to the
        input's [min, max] when ``clip``."""
        x = sample.array
        result = np.transpose(out, np.argsort(self.order)).astype(np.result_type(x.dtype, np.float32), copy=False)
        if clip:
            result = np.clip(result, x.min(), x.max())
        return sample.with_array(result)


def as_cube(sample: Sample, name: str) -> Cube:
    """The sample's cube (bands, H, W) as float32; an InputError naming the file for what ``name`` cannot use."""
    where = sample.path or Path("<input>")
    x = sample.array
    if x.ndim != 3:
        raise InputError(where, f"{name} needs a 3-D cube (rows, columns, bands), got shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise InputError(where, f"{name} needs real numbers, got dtype {x.dtype}")
    axes = sample.axes if "C" in sample.axes else "HWC"
    order = tuple(axes.index(a) for a in "CHW")
    cube = np.ascontiguousarray(np.transpose(x, order), dtype=np.float32)
    if cube.shape[0] < 2:
        raise InputError(where, f"{name} needs at least 2 bands, got {cube.shape[0]}")
    if min(cube.shape[1:]) < 2:
        raise InputError(where, f"{name} needs at least 2x2 pixels, got {cube.shape[1]}x{cube.shape[2]}")
    bad = ~np.isfinite(cube)
    if bad.any():
        bands = sorted({int(b) for b in np.nonzero(bad.any(axis=(1, 2)))[0][:5]})
        raise InputError(where, f"non-finite values (NaN/Inf) in band(s) {bands}; mask or fill them first")
    return Cube(cube, order)  # type: ignore[arg-type]
