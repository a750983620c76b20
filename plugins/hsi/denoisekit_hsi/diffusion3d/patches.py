"""Overlapping 3-D patches of a cube (bands, H, W), and their weighted blend back into a cube.

Patch starts along each axis are ``0, stride, 2 stride, ...`` plus a last one flush with the end, so every voxel is
covered. The blend is ``sum_p w_p x_p / sum_p w_p`` with a separable window ``w`` that is largest at the patch
centre and never zero (a raised cosine floored at ``floor``), so seams from patch borders are damped, and
``blend(split(x)) == x`` up to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

Tensor = torch.Tensor


def starts(size: int, patch: int, stride: int) -> list[int]:
    """Patch starts along an axis of length ``size >= patch``."""
    if patch > size:
        raise ValueError(f"patch {patch} is larger than the axis ({size})")
    found = list(range(0, size - patch + 1, stride))
    if found[-1] != size - patch:
        found.append(size - patch)
    return found


def grid(shape: Sequence[int], patch: Sequence[int], stride: Sequence[int]) -> list[tuple[int, int, int]]:
    """The (band, row, column) start of every patch."""
    axes = [starts(n, p, s) for n, p, s in zip(shape, patch, stride, strict=True)]
    return [(a, b, c) for a in axes[0] for b in axes[1] for c in axes[2]]


def split(cube: Tensor, patch: Sequence[int], origins: Sequence[tuple[int, int, int]]) -> Tensor:
    """The patches (N, pb, ph, pw) of ``cube`` (bands, H, W) at ``origins``."""
    pb, ph, pw = patch
    return torch.stack([cube[a:a + pb, b:b + ph, c:c + pw] for a, b, c in origins])


def window(patch: Sequence[int], floor: float = 0.05, device: torch.device | str | None = None,
           dtype: torch.dtype = torch.float32) -> Tensor:
    """The separable blending weight (pb, ph, pw): per axis ``floor + (1 - floor) sin^2(pi (i + 1/2) / n)``."""
    parts = []
    for n in patch:
        i = torch.arange(n, device=device, dtype=dtype)
        parts.append(floor + (1 - floor) * torch.sin(math.pi * (i + 0.5) / n) ** 2)
    return parts[0][:, None, None] * parts[1][None, :, None] * parts[2][None, None, :]


def blend(patches: Tensor, origins: Sequence[tuple[int, int, int]], shape: Sequence[int],
          weight: Tensor | None = None) -> Tensor:
    """The cube (bands, H, W) that is the ``weight``-averaged overlap of ``patches`` (N, pb, ph, pw)."""
    pb, ph, pw = patches.shape[1:]
    weight = window((pb, ph, pw), device=patches.device, dtype=patches.dtype) if weight is None else weight
    total = torch.zeros(tuple(shape), device=patches.device, dtype=patches.dtype)
    norm = torch.zeros_like(total)
    for p, (a, b, c) in zip(patches, origins, strict=True):
        total[a:a + pb, b:b + ph, c:c + pw] += weight * p
        norm[a:a + pb, b:b + ph, c:c + pw] += weight
    return total / norm
