"""CT handling shared by the denoising pipelines: HU window scaling and the slice-by-slice loop.

Every CT denoising pipeline works on one 2-D slice at a time, scaled from HU to about [0, 1] by a window:
x = (HU - window_low) / (window_high - window_low), not clipped, so values outside the window pass through
the method and come back unchanged in scale. Volumes and series (and any array with axes beyond H and W)
are processed slice by slice, each slice fitted zero-shot on its own with the run's seed, with a progress
bar over the slices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.errors import InputError, UserError
from denoisekit.pipeline import RunContext
from denoisekit.records import Option
from denoisekit.sample import Sample

DESCRIPTION_KEY = "description"  # the meta key the DICOM writer appends to SeriesDescription

WINDOW_OPTIONS = (
    Option(name="window_low", default=-1024.0, minimum=-10000.0, maximum=10000.0,
           help="HU mapped to 0 before denoising (the scale, not a clip: values outside the window are kept)"),
    Option(name="window_high", default=3072.0, minimum=-10000.0, maximum=10000.0,
           help="HU mapped to 1 before denoising (default [-1024, 3072]: the RED-CNN normalisation range)"),
)

SliceFn = Callable[[np.ndarray, RunContext], np.ndarray]


def window(config: Mapping[str, Any]) -> tuple[float, float]:
    """(low, high) of the scaling window, checked."""
    low, high = float(config["window_low"]), float(config["window_high"])
    if not high > low:
        raise UserError(f"window_high ({high:g}) must be above window_low ({low:g})")
    return low, high


def to_unit(hu: np.ndarray, low: float, high: float) -> np.ndarray:
    """HU -> (HU - low) / (high - low), float32."""
    return ((hu - low) / (high - low)).astype(np.float32)


def to_hu(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """The inverse of :func:`to_unit`."""
    return (x * (high - low) + low).astype(np.float32)


def denoise_slices(sample: Sample, name: str, min_side: int, ctx: RunContext, fn: SliceFn) -> Sample:
    """Apply ``fn(slice_hu (H, W) float32, slice_ctx) -> (H, W)`` to every 2-D slice of ``sample``.

    Each slice gets its own :class:`RunContext` (same device and seed; progress bars only when there is
    one slice, the slices' bar otherwise) whose stage timings are added to ``ctx``'s. The result has the
    input's shape and axes, float32 (HU).
    """
    from denoisekit.image.slices import as_stack

    where = sample.path or Path("<input>")
    stack = as_stack(sample, name)
    n, c, h, w = stack.slices.shape
    if min(h, w) < min_side:
        raise InputError(where, f"{name} needs slices of at least {min_side}x{min_side} pixels, got {h}x{w}")
    flat = stack.slices.reshape(n * c, h, w)
    out = np.empty_like(flat)
    single = len(flat) == 1
    indices = range(len(flat)) if single else ctx.progress(range(len(flat)), f"{name}: slices", total=len(flat))
    for i in indices:
        inner = RunContext(device=ctx.device, seed=ctx.seed, show_progress=ctx.show_progress and single)
        out[i] = fn(flat[i], inner)
        for stage, seconds in inner.timings.items():
            ctx.timings[stage] = ctx.timings.get(stage, 0.0) + seconds
    ctx.notes["slices"] = len(flat)
    result = stack.restore(out.reshape(n, c, h, w), sample, clip=False)
    return replace(result, array=result.array.astype(np.float32, copy=False))


def with_description(sample: Sample, text: str) -> Sample:
    """``sample`` with ``meta["description"]`` set (what the DICOM writer adds to SeriesDescription)."""
    return replace(sample, meta={**sample.meta, DESCRIPTION_KEY: text})
