"""The one per-slice loop: every slice-by-slice pipeline runs its slices through :func:`for_each_slice`.

The rule for seeds: slice ``i`` draws its randomness from ``ctx.generator(i)``, the run's seed plus ``i``. Slice 0
of a stack is therefore the same computation as that slice alone (a single-slice run), and slices do not share
random draws (identical slices get independent fits). Each slice gets its own :class:`RunContext` (seed
``ctx.seed + i``, so ``slice_ctx.generator() == ctx.generator(i)``; progress bars only when there is one slice,
the bar over the slices otherwise); its stage timings are added to ``ctx``'s. What a pipeline wants to note per
slice, ``fn`` keeps itself (e.g. in a list the pipeline summarises into its result's notes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from denoisekit.pipeline import RunContext

SliceFn = Callable[[Any, RunContext], Any]


def slice_context(ctx: RunContext, i: int, show_progress: bool) -> RunContext:
    """The context of slice ``i``: ``ctx`` with seed ``ctx.seed + i`` and fresh timings."""
    return replace(ctx, seed=ctx.seed + i, show_progress=show_progress, timings={})


def for_each_slice(ctx: RunContext, slices: Sequence[Any] | np.ndarray, fn: SliceFn, description: str) -> np.ndarray:
    """``np.stack([fn(slices[i], slice_ctx_i) for i])`` with ``ctx.progress(..., description)`` over the slices
    (see the module docstring for the seeds and contexts)."""
    n = len(slices)
    single = n == 1
    indices = range(n) if single else ctx.progress(range(n), description, total=n)
    out: np.ndarray | None = None
    for i in indices:
        inner = slice_context(ctx, i, ctx.show_progress and single)
        result = np.asarray(fn(slices[i], inner))
        if out is None:
            out = np.empty((n, *result.shape), dtype=result.dtype)
        out[i] = result
        for stage, seconds in inner.timings.items():
            ctx.timings[stage] = ctx.timings.get(stage, 0.0) + seconds
    if out is None:
        raise ValueError("for_each_slice needs at least one slice")
    return out
