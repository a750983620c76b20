"""The sigma predictor of the attention-guided bilateral filter (Filter2Noise, Sun et al. 2025, sec. 3.1).

The image is cut into non-overlapping ``patch`` x ``patch`` tokens; a linear embedding and two single-head
self-attention blocks (pre-LayerNorm, residual) mix them, and a LayerNorm + linear head gives three numbers
per patch, made positive and bounded by a bounded softplus: sigma_x, sigma_y (pixels) and sigma_r (intensity
of the [0, 1]-scaled image). The maps are nearest-upsampled to one value per pixel.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def bounded_softplus(z: torch.Tensor, bound: float, eps: float = 1e-6) -> torch.Tensor:
    """min(softplus(z), bound) + eps: positive, at most ``bound + eps``."""
    return F.softplus(z).clamp(max=bound) + eps


class AttentionBlock(nn.Module):
    """x + Attention(LayerNorm(x)), one head, over the tokens of each image."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=-1)
        return x + self.proj(F.scaled_dot_product_attention(q, k, v))


class SigmaPredictor(nn.Module):
    """(B, 1, H, W) with H, W multiples of ``patch`` -> sigma maps (B, 3, H / patch, W / patch).

    Channels: sigma_x, sigma_y in pixels (at most ``spatial_bound``), sigma_r in image units (at most
    ``range_bound``).
    """

    def __init__(self, patch: int = 8, dim: int = 16, blocks: int = 2, spatial_bound: float = 6.0,
                 range_bound: float = 1.0):
        super().__init__()
        self.patch, self.spatial_bound, self.range_bound = patch, spatial_bound, range_bound
        self.embed = nn.Linear(patch * patch, dim)
        self.blocks = nn.ModuleList(AttentionBlock(dim) for _ in range(blocks))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 3)

    def reset_parameters(self, generator: torch.Generator, initial: tuple[float, float, float] | None = None) -> None:
        """PyTorch's default Linear initialisation drawn from ``generator`` (CPU); LayerNorms to (1, 0).

        ``initial`` (sigma_x, sigma_y, sigma_r) sets the head's bias to their inverse softplus, so that the
        maps start near these values (a fit from a sensible filter needs far fewer steps).
        """
        for module in self.modules():
            if isinstance(module, nn.Linear):
                weight = torch.empty_like(module.weight, device="cpu")
                nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
                bound = 1.0 / math.sqrt(module.weight.shape[1])
                bias = torch.empty_like(module.bias, device="cpu").uniform_(-bound, bound, generator=generator)
                with torch.no_grad():
                    module.weight.copy_(weight)
                    module.bias.copy_(bias)
            elif isinstance(module, nn.LayerNorm):
                module.reset_parameters()
        if initial is not None:
            target = torch.tensor(initial, dtype=torch.float64)
            with torch.no_grad():
                self.head.bias.copy_(target + torch.log(-torch.expm1(-target)))  # softplus^-1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        p = self.patch
        tokens = F.unfold(x, p, stride=p).transpose(1, 2)  # (B, N, p*p)
        t = self.embed(tokens)
        for block in self.blocks:
            t = block(t)
        z = self.head(self.norm(t)).transpose(1, 2).reshape(b, 3, h // p, w // p)
        spatial = bounded_softplus(z[:, :2], self.spatial_bound)
        rng = bounded_softplus(z[:, 2:], self.range_bound)
        return torch.cat([spatial, rng], dim=1)
