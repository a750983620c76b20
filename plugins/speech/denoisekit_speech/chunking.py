"""Overlap-add over fixed-length chunks of a long waveform, so that memory is bounded by one chunk.

The file is cut into chunks of ``chunk`` samples that overlap by ``overlap``; each is processed on its
own and the outputs are cross-faded with raised-cosine ramps over the overlaps (the weights of every
sample sum to one). Only the output array and one chunk's work are in memory at any time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch

Tensor = torch.Tensor


def chunk_starts(length: int, chunk: int, overlap: int) -> list[int]:
    """Start indices of the chunks covering ``length`` samples (one chunk when it fits)."""
    if not 0 <= overlap < chunk:
        raise ValueError(f"overlap must be in [0, chunk), got overlap={overlap}, chunk={chunk}")
    if length <= chunk:
        return [0]
    step = chunk - overlap
    count = math.ceil((length - chunk) / step) + 1
    return [min(i * step, length - chunk) for i in range(count)]


def _ramp(n: int, like: Tensor) -> Tensor:
    """Raised-cosine rise over ``n`` samples: ``sin^2``, so a rise and the matching fall sum to one."""
    k = torch.arange(n, device=like.device, dtype=like.dtype)
    return torch.sin(0.5 * math.pi * (k + 0.5) / n) ** 2


def overlap_add(wave: Tensor, fn: Callable[[Tensor], Tensor], chunk: int, overlap: int,
                progress: Callable[[Iterator[int], int], Iterator[int]] | None = None) -> Tensor:
    """``fn`` applied chunk by chunk along the last axis of ``wave`` and cross-faded; ``fn`` maps a
    ``(..., m)`` chunk to a ``(..., m)`` output."""
    length = wave.shape[-1]
    starts = chunk_starts(length, chunk, overlap)
    out = torch.zeros_like(wave)
    weight = torch.zeros(length, dtype=wave.dtype, device=wave.device)
    items = iter(range(len(starts))) if progress is None else progress(iter(range(len(starts))), len(starts))
    for i in items:
        s = starts[i]
        e = min(s + chunk, length)
        w = torch.ones(e - s, dtype=wave.dtype, device=wave.device)
        if i > 0:  # fade in over the part shared with the previous chunk
            shared = starts[i - 1] + chunk - s
            w[:shared] = _ramp(shared, w)
        if i < len(starts) - 1:
            shared = s + chunk - starts[i + 1]
            w[-shared:] = w[-shared:] * _ramp(shared, w).flip(0)
        out[..., s:e] += fn(wave[..., s:e]) * w
        weight[s:e] += w
    return out / weight
