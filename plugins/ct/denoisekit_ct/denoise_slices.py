"""CT handling shared by the denoising pipelines: HU window scaling and the slice-by-slice loop.

Every CT denoising pipeline works on one 2-D slice at a time, scaled from HU to about [0, 1] by a window:
x = (HU - window_low) / (window_high - window_low), not clipped, so values outside the window pass through
the method and come back unchanged in scale. Volumes and series (and any array with axes beyond H and W)
are processed slice by slice, each slice fitted zero-shot on its own from ``ctx.generator(i)`` (the run's seed
plus the slice's index: the core's rule for every per-slice pipeline), with a progress bar over the slices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import (
    InputError,
    Option,
    PipelineResult,
    RunContext,
    Sample,
    UserError,
    as_stack,
    check_noise2score,
    for_each_slice,
)

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


def check_window(config: Mapping[str, Any]) -> None:
    """A pipeline record's ``check``: the scaling window is not empty (called before the input is read)."""
    window(config)


def check_noise2score_window(config: Mapping[str, Any]) -> None:
    """``ct/noise2score``'s ``check``: the window, and the core's Noise2Score options that go together."""
    window(config)
    check_noise2score(config)


def check_sure_window(config: Mapping[str, Any]) -> None:
    """``ct/filter2noise``'s ``check``: the window, and the tissue window of ``strength=sure`` is not empty."""
    window(config)
    low, high = float(config["sure_window_low"]), float(config["sure_window_high"])
    if not high > low:
        raise UserError(f"sure_window_high ({high:g}) must be above sure_window_low ({low:g})")


def to_unit(hu: np.ndarray, low: float, high: float) -> np.ndarray:
    """HU -> (HU - low) / (high - low), float32."""
    return ((hu - low) / (high - low)).astype(np.float32)


def to_hu(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """The inverse of :func:`to_unit`."""
    return (x * (high - low) + low).astype(np.float32)


def denoise_slices(sample: Sample, name: str, min_side: int, ctx: RunContext, fn: SliceFn) -> PipelineResult:
    """Apply ``fn(slice_hu (H, W) float32, slice_ctx) -> (H, W)`` to every 2-D slice of ``sample``.

    The slices go through the core's :func:`~denoisekit.api.for_each_slice`: slice ``i`` gets its own
    :class:`RunContext` seeded ``ctx.seed + i`` (progress bars only when there is one slice, the slices' bar
    otherwise) whose stage timings are added to ``ctx``'s. The result's sample has the input's shape and axes,
    float32 (HU); its notes give the number of ``slices``.
    """
    where = sample.path or Path("<input>")
    stack = as_stack(sample, name)
    n, c, h, w = stack.array.shape
    if min(h, w) < min_side:
        raise InputError(where, f"{name} needs slices of at least {min_side}x{min_side} pixels, got {h}x{w}")
    out = for_each_slice(ctx, stack.array.reshape(n * c, h, w), fn, f"{name}: slices")
    result = stack.restore(out.astype(np.float32, copy=False).reshape(n, c, h, w), sample)
    return PipelineResult(replace(result, array=result.array.astype(np.float32, copy=False)), notes={"slices": n * c})


def with_description(sample: Sample, text: str) -> Sample:
    """``sample`` with ``description`` set (what the DICOM writer adds to SeriesDescription)."""
    return replace(sample, description=text)
