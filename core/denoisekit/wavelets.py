"""Orthonormal 2-D Daubechies wavelet transform with periodic extension, in torch (GPU-ready).

Filters: Daubechies' minimum-phase filters with N vanishing moments (Daubechies, "Ten Lectures on
Wavelets", 1992, Sec. 6.1), built by spectral factorisation of P(y) = sum_k C(N-1+k, k) y^k. With
periodic extension the transform is an orthogonal matrix, so the inverse is the adjoint (computed
with ``conv_transpose2d``) and coefficient thresholding keeps the noise white. Images are batched
``(N, H, W)``; H and W must be divisible by 2^levels.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F


@lru_cache(maxsize=8)
def daubechies_lowpass(moments: int) -> np.ndarray:
    """The 2N-tap Daubechies low-pass filter (sum = sqrt 2, unit norm, orthogonal to its even shifts)."""
    if moments < 1:
        raise ValueError("moments must be at least 1")
    n = moments
    # P(y) = sum_{k<N} C(N-1+k, k) y^k with y = (1 - cos w) / 2; keep the roots of z^(N-1) P inside the circle
    poly_y = np.array([math.comb(n - 1 + k, k) for k in range(n)][::-1], dtype=np.float64)
    roots_y = np.roots(poly_y) if n > 1 else np.array([])
    z_roots = []
    for y in roots_y:  # y = (2 - z - 1/z) / 4  ->  z^2 - (2 - 4y) z + 1 = 0
        pair = np.roots([1.0, -(2.0 - 4.0 * y), 1.0])
        z_roots.append(pair[np.argmin(np.abs(pair))])
    h = np.poly(np.concatenate([-np.ones(n), np.array(z_roots)])).real
    return h / h.sum() * math.sqrt(2.0)


def _filters(moments: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """(4, 1, L, L) separable analysis filters LL, LH, HL, HH (cross-correlation form)."""
    h = torch.as_tensor(daubechies_lowpass(moments), device=device, dtype=dtype)
    g = h.flip(0) * torch.tensor([(-1.0) ** k for k in range(len(h))], device=device, dtype=dtype)
    pairs = [(h, h), (h, g), (g, h), (g, g)]
    return torch.stack([torch.outer(a, b) for a, b in pairs]).unsqueeze(1)


def _dwt_level(x: torch.Tensor, filt: torch.Tensor) -> torch.Tensor:
    """(N, H, W) -> (N, 4, H/2, W/2): one periodic analysis step."""
    pad = filt.shape[-1] - 1
    xp = F.pad(x.unsqueeze(1), (0, pad, 0, pad), mode="circular")
    return F.conv2d(xp, filt, stride=2)


def _idwt_level(c: torch.Tensor, filt: torch.Tensor) -> torch.Tensor:
    """(N, 4, h, w) -> (N, 2h, 2w): the adjoint (= inverse) of :func:`_dwt_level`."""
    h2, w2 = 2 * c.shape[-2], 2 * c.shape[-1]
    full = F.conv_transpose2d(c, filt, stride=2)[:, 0]  # (N, 2h + L - 2, 2w + L - 2): the padded signal
    eh, ew = full.shape[-2] - h2, full.shape[-1] - w2  # its circular tail, folded back onto the start
    out = full[:, :h2, :w2].clone()
    out[:, :eh, :] += full[:, h2:, :w2]
    out[:, :, :ew] += full[:, :h2, w2:]
    out[:, :eh, :ew] += full[:, h2:, w2:]
    return out


def max_levels(h: int, w: int, moments: int) -> int:
    """The number of levels such that every level's size is even and at least the filter length."""
    levels, size = 0, min(h, w)
    while size % 2 == 0 and size // 2 >= 2 * moments and h % 2 ** (levels + 1) == 0 and w % 2 ** (levels + 1) == 0:
        levels += 1
        size //= 2
    return levels


def wavedec2(x: torch.Tensor, levels: int, moments: int = 2) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Orthonormal periodic DWT of ``x`` (N, H, W): (approximation, [details (N, 3, h, w), finest first])."""
    filt = _filters(moments, x.device, x.dtype)
    details = []
    for _ in range(levels):
        c = _dwt_level(x, filt)
        details.append(c[:, 1:])
        x = c[:, 0]
    return x, details


def waverec2(approx: torch.Tensor, details: list[torch.Tensor], moments: int = 2) -> torch.Tensor:
    """The inverse of :func:`wavedec2`."""
    filt = _filters(moments, approx.device, approx.dtype)
    x = approx
    for d in reversed(details):
        x = _idwt_level(torch.cat([x.unsqueeze(1), d], dim=1), filt)
    return x
