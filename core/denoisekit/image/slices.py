"""An image sample as a stack of 2-D float32 slices (N, C, H, W) for the image pipelines, and back.

``C`` is the channel axis; every axis other than H, W and C (``D``, ``T``, ...) is a slice axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from denoisekit.errors import InputError
from denoisekit.sample import Sample


@dataclass(frozen=True)
class Stack:
    """A sample's array as float32 slices (N, C, H, W) and how to put the result back."""

    slices: np.ndarray
    order: list[int]
    moved_shape: tuple[int, ...]

    def restore(self, out: np.ndarray, sample: Sample, clip: bool) -> Sample:
        """``out`` (N, C, H, W) in the input's layout and dtype family, clipped like zs-n2n when ``clip``."""
        x = sample.array
        result = np.transpose(out.reshape(self.moved_shape), np.argsort(self.order))
        result = result.astype(np.result_type(x.dtype, np.float32), copy=False)
        if clip:
            info = np.iinfo(x.dtype) if x.dtype.kind in "iu" else None
            lo, hi = (info.min, info.max) if info else (x.min(), x.max())
            result = np.clip(result, lo, hi)
        return sample.with_array(result)


def as_stack(sample: Sample, name: str) -> Stack:
    """(N, C, H, W) float32 slices: ``C`` is the channel axis, every axis but H, W and C is a slice axis."""
    where = sample.path or Path("<input>")
    x = sample.array
    if x.dtype.kind == "c":
        raise InputError(where, f"complex values are not supported by {name}")
    if x.dtype.kind not in "biuf":
        raise InputError(where, f"{name} needs numbers, got dtype {x.dtype}")
    if "H" not in sample.axes or "W" not in sample.axes:
        raise InputError(where, f"{name} needs H and W axes, got {sample.axes!r}")
    order = [i for i, a in enumerate(sample.axes) if a not in "CHW"]
    order += [sample.axes.index(a) for a in "CHW" if a in sample.axes]
    moved = np.transpose(x, order)
    h, w = moved.shape[-2:]
    if min(h, w) < 2:
        raise InputError(where, f"{name} needs images of at least 2x2 pixels, got {h}x{w}")
    c = moved.shape[-3] if "C" in sample.axes else 1
    return Stack(moved.reshape(-1, c, h, w).astype(np.float32), order, moved.shape)
