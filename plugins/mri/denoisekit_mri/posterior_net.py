"""The unconditional prior of ``mri/diffusion-posterior``: a small fully convolutional U-Net denoiser of complex
images (real and imaginary parts as two channels) with the EDM preconditioning of Karras, Aittala, Aila, Laine,
"Elucidating the Design Space of Diffusion-Based Generative Models", NeurIPS 2022, eq. 7 and Table 1:

    D(x, sigma) = c_skip(sigma) x + c_out(sigma) F(c_in(sigma) x, c_noise(sigma)),
    c_skip = sigma_d^2 / (sigma^2 + sigma_d^2), c_out = sigma sigma_d / sqrt(sigma^2 + sigma_d^2),
    c_in = 1 / sqrt(sigma^2 + sigma_d^2), c_noise = ln(sigma) / 4,

trained with the loss weight lambda(sigma) = 1 / c_out^2 and ln sigma ~ N(P_mean, P_std^2) (Table 1). The
network F has no normalisation layer, so an image of any even size (a multiple of 4) sees the same weights
it was trained with on small crops; the noise level enters each residual block as a scale and shift (FiLM)
of its features.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from denoisekit.api import Denoiser

SIGMA_DATA = 0.5  # sigma_d of EDM: the data are complex images scaled to a maximum magnitude of 1
P_MEAN, P_STD = -1.2, 1.2  # the training noise levels of EDM (Table 1)


class NoiseEmbedding(nn.Module):
    """c_noise -> a vector: Fourier features of c_noise, then a two-layer MLP."""

    def __init__(self, width: int, frequencies: int = 16):
        super().__init__()
        self.register_buffer("freqs", torch.exp(torch.linspace(0.0, math.log(100.0), frequencies)))
        self.mlp = nn.Sequential(nn.Linear(2 * frequencies, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, c_noise: torch.Tensor) -> torch.Tensor:
        angles = c_noise[:, None] * self.freqs[None]
        return self.mlp(torch.cat([angles.cos(), angles.sin()], dim=1))


class Block(nn.Module):
    """conv - SiLU - (scale, shift from the noise embedding) - conv, plus a 1x1-projected skip."""

    def __init__(self, c_in: int, c_out: int, embed: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.film = nn.Linear(embed, 2 * c_out)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(emb)[:, :, None, None].chunk(2, dim=1)
        h = nn.functional.silu(self.conv1(x)) * (1 + scale) + shift
        return self.skip(x) + self.conv2(nn.functional.silu(h))


class PriorUNet(nn.Module):
    """F(x, c_noise): (B, 2, H, W) -> (B, 2, H, W); three resolutions (width, 2 width, 2 width), one block each
    way, average-pool down, nearest up; H and W must be multiples of 4."""

    def __init__(self, width: int = 32):
        super().__init__()
        c1, c2 = width, 2 * width
        embed = 4 * width
        self.arch = {"width": width}
        self.embed = NoiseEmbedding(embed)
        self.head = nn.Conv2d(2, c1, 3, padding=1)
        self.down1, self.down2, self.mid = Block(c1, c1, embed), Block(c1, c2, embed), Block(c2, c2, embed)
        self.up2, self.up1 = Block(2 * c2, c2, embed), Block(c2 + c1, c1, embed)
        self.tail = nn.Conv2d(c1, 2, 3, padding=1)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor) -> torch.Tensor:
        emb = self.embed(c_noise)
        h1 = self.down1(self.head(x), emb)
        h2 = self.down2(nn.functional.avg_pool2d(h1, 2), emb)
        h3 = self.mid(nn.functional.avg_pool2d(h2, 2), emb)
        u2 = self.up2(torch.cat([nn.functional.interpolate(h3, scale_factor=2.0), h2], dim=1), emb)
        u1 = self.up1(torch.cat([nn.functional.interpolate(u2, scale_factor=2.0), h1], dim=1), emb)
        return self.tail(nn.functional.silu(u1))


def to_channels(x: torch.Tensor) -> torch.Tensor:
    """Complex (B, H, W) -> real (B, 2, H, W)."""
    return torch.view_as_real(x.resolve_conj()).permute(0, 3, 1, 2)


def to_complex(x: torch.Tensor) -> torch.Tensor:
    """Real (B, 2, H, W) -> complex (B, H, W)."""
    return torch.view_as_complex(x.permute(0, 2, 3, 1).contiguous())


class ComplexPrior(Denoiser):
    """The EDM-preconditioned denoiser of complex images (B, H, W): ``D(x, sigma) ~ E[x0 | x0 + sigma n]`` with
    n complex Gaussian of std ``sigma`` in each of the real and imaginary parts (the samplers' real view)."""

    def __init__(self, width: int = 32):
        super().__init__()
        self.net = PriorUNet(width)
        self.arch = dict(self.net.arch)

    def forward(self, x: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
        sigma = torch.as_tensor(sigma, dtype=x.real.dtype, device=x.device).reshape(-1).expand(x.shape[0])
        s = sigma[:, None, None, None]
        total = s**2 + SIGMA_DATA**2
        c_skip, c_out, c_in = SIGMA_DATA**2 / total, s * SIGMA_DATA / total.sqrt(), 1 / total.sqrt()
        channels = to_channels(x)
        out = c_skip * channels + c_out * self.net(c_in * channels, torch.log(sigma) / 4)
        return to_complex(out)

    def payload(self) -> dict[str, Any]:
        """What a weights file holds: the architecture and the float32 state dict."""
        return {"arch": dict(self.arch), "sigma_data": SIGMA_DATA,
                "state": {k: v.detach().float().cpu() for k, v in self.state_dict().items()}}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ComplexPrior:
        prior = cls(**payload["arch"])
        prior.load_state_dict(payload["state"])
        return prior


def edm_loss(prior: ComplexPrior, x0: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """EDM's denoising loss on complex images x0 (B, H, W): lambda(sigma) ||D(x0 + sigma n, sigma) - x0||^2,
    mean over the batch and the real coordinates."""
    b = x0.shape[0]
    log_sigma = P_MEAN + P_STD * torch.randn(b, generator=generator, device=x0.device)
    sigma = log_sigma.exp()
    noise = torch.randn((*x0.shape, 2), generator=generator, device=x0.device)
    noisy = x0 + sigma[:, None, None] * torch.view_as_complex(noise)
    weight = (sigma**2 + SIGMA_DATA**2) / (sigma * SIGMA_DATA) ** 2
    error = torch.view_as_real(prior(noisy, sigma) - x0) ** 2
    return torch.mean(weight * error.mean(dim=(1, 2, 3)))
