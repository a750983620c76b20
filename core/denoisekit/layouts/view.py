"""A canonical view of a sample's array, ``(N, *letters)``, and the exact way back to the sample's layout.

A domain method wants its data in one order (slices ``NCHW``, a bands-first cube, coils ``NKHW``, audio
``NCT``, frames ``NTHW``); a reader labels the array as the file stores it (``Sample.axes``). :func:`to_view`
moves the named axes last, in the order asked for (a size-1 axis where the sample lacks one), and flattens every
other axis, in its order, into the leading batch axis ``N``; :meth:`View.restore` undoes exactly that. Complex
data stay complex.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from denoisekit.errors import InputError
from denoisekit.sample import Sample

if TYPE_CHECKING:  # torch loads only when a view is turned into a tensor
    import torch

REAL = np.float32  # the default working type of a real view; complex views use its complex counterpart


@dataclass(frozen=True)
class View:
    """``array`` (N, *letters), C-contiguous, and how to put a result of that shape back in the sample's layout.

    axes: ``"N"`` + the letters asked for; order: the permutation of the sample's axes (batch axes first);
    moved_shape: the sample's shape after that permutation; rate: the sample's rate (samples per second
    along ``T``), if any; clip_to_data: ``restore(clip=True)`` clips integer inputs to their values' [min, max]
    (a cube of counts) rather than their dtype's range (an 8-bit image).
    """

    array: np.ndarray
    axes: str
    order: tuple[int, ...]
    moved_shape: tuple[int, ...]
    rate: float | None = None
    clip_to_data: bool = False

    def tensor(self, device: torch.device | str | None = None) -> torch.Tensor:
        """The view as a tensor (sharing memory on the CPU), on ``device``."""
        import torch

        t = torch.from_numpy(self.array)
        return t if device is None else t.to(device)

    def restore(self, out: np.ndarray | torch.Tensor, sample: Sample, clip: bool | tuple[float, float] = False,
                keep_dtype: bool = False) -> Sample:
        """``out`` (the view's shape) in ``sample``'s layout: a float result (the input's float or complex type, at
        least single precision), or the input's own dtype with ``keep_dtype`` (integers rounded and clipped to
        their range). ``clip``: True clips to an integer dtype's range (see ``clip_to_data``) or a float input's
        [min, max]; a (low, high) pair clips to those values."""
        if not isinstance(out, np.ndarray):  # a torch.Tensor
            out = out.detach().cpu().numpy()
        if out.shape != self.array.shape:
            raise ValueError(f"the result has shape {out.shape}, the view {self.array.shape}")
        x = sample.array
        result = np.transpose(out.reshape(self.moved_shape), np.argsort(self.order))
        if clip is not False:
            if np.iscomplexobj(result):
                raise ValueError("complex values cannot be clipped")
            if clip is True:
                info = np.iinfo(x.dtype) if x.dtype.kind in "iu" and not self.clip_to_data else None
                clip = (info.min, info.max) if info else (x.min(), x.max())
            result = np.clip(result, *clip)
        if keep_dtype:
            if x.dtype.kind in "iu":
                info = np.iinfo(x.dtype)
                result = np.clip(np.rint(result), info.min, info.max)
            return sample.with_array(result.astype(x.dtype, copy=False))
        return sample.with_array(result.astype(np.result_type(x.dtype, REAL), copy=False))


def to_view(sample: Sample, letters: str, name: str, *, required: str | None = None,
            dtype: Any = REAL) -> View:
    """``sample``'s array as (N, *letters): the ``letters`` last in that order, every other axis flattened into N.

    required: the letters the sample must have (default: all of ``letters``; a missing optional one becomes a
    size-1 axis). dtype: the view's real type (complex data get the matching complex type); None keeps the
    sample's dtype (an exact copy of every value). An InputError names the file and ``name`` (the method) when
    an axis is missing, repeated, or the values are not numbers.
    """
    where = sample.path or Path("<input>")
    x, axes = sample.array, sample.axes
    required = letters if required is None else required
    if len(set(axes)) != len(axes):
        raise InputError(where, f"{name}: repeated axis letters in {axes!r}")
    missing = [a for a in required if a not in axes]
    if missing:
        listed = ", ".join(required[:-1]) + " and " + required[-1] if len(required) > 1 else required
        raise InputError(where, f"{name} needs {listed} axes, got {axes!r}")
    if x.dtype.kind not in "biufc":
        raise InputError(where, f"{name} needs numbers, got dtype {x.dtype}")
    batch = tuple(i for i, a in enumerate(axes) if a not in letters)
    order = batch + tuple(axes.index(a) for a in letters if a in axes)
    moved = np.transpose(x, order)
    shape = (-1, *(x.shape[axes.index(a)] if a in axes else 1 for a in letters))
    if dtype is not None:
        real = np.dtype(dtype)
        dtype = np.result_type(real, np.complex64) if x.dtype.kind == "c" else real
    array = np.ascontiguousarray(moved.reshape(shape), dtype=dtype)
    return View(array, "N" + letters, order, moved.shape, sample.rate)
