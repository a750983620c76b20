"""A hyperspectral sample as the core's bands-first float32 view (:func:`denoisekit.api.as_cube`), and back.

The band axis is ``C``: every reader of the plugin (ENVI, .mat and ``npy-cube``, whose convention is
(rows, columns, bands): docs/domains/hsi.md) labels its cube "HWC"; a sample without H, W and C is refused, as are
non-finite values and cubes with fewer than two bands or under 2x2 pixels, with an InputError.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from denoisekit.api import InputError, Sample, View
from denoisekit.api import as_cube as core_as_cube


def nonfinite_bands(x: np.ndarray, band_axis: int, chunk: int = 1 << 24) -> list[int]:
    """Indices of the bands (along ``band_axis``) that hold NaN or Inf, scanned about ``chunk`` values at a time
    along the first axis, so a memory-mapped cube is read in pieces and never loaded (or masked) whole."""
    if x.dtype.kind not in "fc":
        return []
    other = tuple(a for a in range(x.ndim) if a != band_axis)
    bad = np.zeros(x.shape[band_axis], dtype=bool)
    step = max(1, chunk // max(1, x[:1].size))
    for start in range(0, x.shape[0], step):
        flags = ~np.isfinite(x[start:start + step]).all(axis=other)
        if band_axis == 0:
            bad[start:start + step] = flags
        else:
            bad |= flags
    return [int(b) for b in np.flatnonzero(bad)]


def _checked_axes(sample: Sample, name: str) -> str:
    """The sample's axis letters with a ``C`` (band) axis, after the checks :func:`as_cube` documents."""
    where = sample.path or Path("<input>")
    x = sample.array
    if x.ndim != 3:
        raise InputError(where, f"{name} needs a 3-D cube (rows, columns, bands), got shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise InputError(where, f"{name} needs real numbers, got dtype {x.dtype}")
    axes = sample.axes
    if sorted(axes) != ["C", "H", "W"]:
        raise InputError(where, f"{name} needs a cube with axes H, W and C (bands), got {axes!r}")
    bands, h, w = (x.shape[axes.index(a)] for a in "CHW")
    if bands < 2:
        raise InputError(where, f"{name} needs at least 2 bands, got {bands}")
    if min(h, w) < 2:
        raise InputError(where, f"{name} needs at least 2x2 pixels, got {h}x{w}")
    bad = nonfinite_bands(x, axes.index("C"))
    if bad:
        raise InputError(where, f"non-finite values (NaN/Inf) in band(s) {bad[:5]}; mask or fill them first")
    return axes


def as_cube(sample: Sample, name: str) -> View:
    """The core's bands-first view of the sample's cube, ``array`` (1, bands, H, W) float32, after the checks
    above; ``view.restore(out, sample, clip)`` puts a result back in the sample's layout (clipped to the input's
    [min, max] when ``clip``). An InputError names the file for what ``name`` cannot use."""
    return core_as_cube(replace(sample, axes=_checked_axes(sample, name)), name)


def bands_last(sample: Sample, name: str) -> np.ndarray:
    """The sample's cube as an (H, W, bands) view of its array, in its own dtype (a memmap stays mapped), after
    the checks of :func:`as_cube`."""
    axes = _checked_axes(sample, name)
    return np.transpose(sample.array, tuple(axes.index(a) for a in "HWC"))
