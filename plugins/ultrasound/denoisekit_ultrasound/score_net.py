"""The score models of the dehazer: a small U-Net with a noise-level embedding, wrapped as a Denoiser with the
EDM preconditioning (Karras et al., NeurIPS 2022, Table 1):

    D(x, sigma) = c_skip x + c_out F(c_in x, ln(sigma) / 4),  c_skip = sd^2 / (sigma^2 + sd^2),
    c_out = sigma sd / sqrt(sigma^2 + sd^2),  c_in = 1 / sqrt(sigma^2 + sd^2),

so one network covers the VE sigma^t SDE's noise levels (0.05 to 9.8 for sigma = 25) on companded data in
[-1, 1] (sd = 0.5). The score follows by Tweedie's formula, (D(x, sigma) - x) / sigma^2. The paper uses NCSNv2;
this net (16 base channels: 95 k parameters) is far smaller, to train on a CPU.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from denoisekit.api import Denoiser

SIGMA_DATA = 0.5


class Block(nn.Module):
    """Two 3x3 convolutions with GroupNorm and SiLU, the noise embedding added in between, a residual path."""

    def __init__(self, cin: int, cout: int, emb: int):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(min(8, cin), cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2, self.conv2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = self.conv1(nn.functional.silu(self.norm1(x))) + self.emb(e)[:, :, None, None]
        return self.skip(x) + self.conv2(nn.functional.silu(self.norm2(h)))


class SmallUNet(nn.Module):
    """``F(x, c_noise)``: ``channels`` features at full, half and quarter resolution (sizes divisible by 4)."""

    def __init__(self, in_channels: int = 2, channels: int = 24, emb: int = 64):
        super().__init__()
        c1, c2, c3 = channels, 2 * channels, 2 * channels
        self.freqs = nn.Parameter(torch.randn(emb // 2) * 4.0, requires_grad=False)  # Fourier features
        self.embed = nn.Sequential(nn.Linear(emb, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.inp = nn.Conv2d(in_channels, c1, 3, padding=1)
        self.d1, self.d2, self.mid = Block(c1, c1, emb), Block(c1, c2, emb), Block(c2, c3, emb)
        self.u2, self.u1 = Block(c3 + c2, c2, emb), Block(c2 + c1, c1, emb)
        self.out = nn.Sequential(nn.GroupNorm(8, c1), nn.SiLU(), nn.Conv2d(c1, in_channels, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor) -> torch.Tensor:
        angle = 2 * math.pi * c_noise[:, None] * self.freqs[None]
        e = self.embed(torch.cat([angle.sin(), angle.cos()], dim=1))
        h1 = self.d1(self.inp(x), e)
        h2 = self.d2(nn.functional.avg_pool2d(h1, 2), e)
        h3 = self.mid(nn.functional.avg_pool2d(h2, 2), e)
        u2 = self.u2(torch.cat([nn.functional.interpolate(h3, scale_factor=2.0), h2], 1), e)
        u1 = self.u1(torch.cat([nn.functional.interpolate(u2, scale_factor=2.0), h1], 1), e)
        return self.out(u1)


class PreconditionedDenoiser(Denoiser):
    """``D(x, sigma)`` of a :class:`SmallUNet` with the EDM preconditioning (module docstring)."""

    def __init__(self, net: SmallUNet):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
        s = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).reshape(-1)
        s = s.expand(x.shape[0]) if s.numel() == 1 else s
        s4 = s[:, None, None, None]
        total = s4**2 + SIGMA_DATA**2
        out = self.net(x / total.sqrt(), torch.log(s) / 4)
        return (SIGMA_DATA**2 / total) * x + (s4 * SIGMA_DATA / total.sqrt()) * out


def loss_weight(sigma: torch.Tensor) -> torch.Tensor:
    """EDM's lambda(sigma) = (sigma^2 + sd^2) / (sigma sd)^2: unit effective weight at every noise level."""
    return (sigma**2 + SIGMA_DATA**2) / (sigma * SIGMA_DATA) ** 2


def make_denoiser(channels: int = 24) -> PreconditionedDenoiser:
    return PreconditionedDenoiser(SmallUNet(channels=channels))
