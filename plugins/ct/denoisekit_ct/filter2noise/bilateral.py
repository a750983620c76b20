"""The bilateral filter with per-pixel sigmas, the filter of Filter2Noise's AGBF.

Filter2Noise (Sun et al. 2025, sec. 3.1, eq. 1-3): at pixel p with neighbours q = p + (dx, dy),

    out(p) = sum_q w(p, q) I(q) / sum_q w(p, q),
    w(p, q) = exp(-(dx^2 / (2 sigma_x(p)^2) + dy^2 / (2 sigma_y(p)^2))) * exp(-(I(q) - I(p))^2 / (2 sigma_r(p)^2)),

with one sigma triple per pixel and a (2 radius + 1)^2 window with reflected borders. The whole window is
evaluated at once (one ``unfold``, no Python loop over pixels or offsets): (2 radius + 1)^2 vectorised
multiply-adds per pixel.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bilateral_filter(x: torch.Tensor, sigma_x: torch.Tensor, sigma_y: torch.Tensor, sigma_r: torch.Tensor,
                     radius: int) -> torch.Tensor:
    """The bilateral filter of (B, 1, H, W) ``x`` with per-pixel sigmas (each (B, 1, H, W) or broadcastable)
    over a (2 radius + 1)^2 window with reflected borders; ``x`` is y-down (rows), x-right (columns)."""
    b, c, h, w = x.shape
    if c != 1:
        raise ValueError(f"the bilateral filter takes one channel, got {c}")
    k = 2 * radius + 1
    padded = F.pad(x, (radius,) * 4, mode="reflect") if radius else x
    neighbours = F.unfold(padded, k).view(b, k * k, h, w)
    offsets = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    dy2 = offsets.square().repeat_interleave(k).view(1, k * k, 1, 1)  # row offset, slow index of unfold
    dx2 = offsets.square().repeat(k).view(1, k * k, 1, 1)
    log_w = -(dx2 * (0.5 / sigma_x.square()) + dy2 * (0.5 / sigma_y.square())
              + (neighbours - x).square() * (0.5 / sigma_r.square()))
    weights = torch.exp(log_w)
    return (weights * neighbours).sum(1, keepdim=True) / weights.sum(1, keepdim=True)
