"""The Filter2Noise training loss (Sun et al. 2025, sec. 3.2-3.3).

With D the denoiser, y1, y2 = the ZS-N2N pair downsampler of the noisy y (Mansour & Heckel 2023; the
core's :func:`denoisekit.losses.noise2noise.pair_downsample`), ELS the Euclidean local shuffle and
d1, d2 the pair downsampler of D(y):

    L = 1/3 |D(ELS y1) - D(ELS y2)|_1
      + 1/3 (|D(ELS y1) - d1|_1 + |D(ELS y2) - d2|_1)
      + 1/3 |d1 - d2|_1
      + lambda | |DoG * y| - |DoG * D(y)| |_1,

every |.|_1 a mean over pixels. The first three terms pull the outputs of the two half images (with their
noise shuffled) and of the full image together, i.e. towards what the noise does not explain; the last,
edge-preserving term keeps the magnitude of the band-pass response (difference of Gaussians) of the
output equal to the input's. A larger lambda keeps more edges (and more noise).

The DoG kernel is the textbook difference of Gaussian densities g_s(r) = exp(-r^2 / 2 s^2) / (2 pi s^2),
g_{sigma_1} - g_{sigma_2}, sampled on a ``size`` x ``size`` grid (the paper's 7 x 7 with sigmas 9 and 10). On so
small a grid with so wide Gaussians it does not sum to 0: besides the band-pass part it carries a local
mean (weight about 0.0185 for the defaults), so the edge term also ties the 7 x 7 local mean of D(y) to that
of y, which is what keeps the output from drifting. lambda's scale depends on these three numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from denoisekit.api import pair_downsample
from denoisekit_ct.filter2noise.local_shuffle import euclidean_local_shuffle


def gaussian_density(size: int, sigma: float) -> torch.Tensor:
    """The 2-D Gaussian density exp(-r^2 / 2 sigma^2) / (2 pi sigma^2) on a centred (size, size) grid (float64)."""
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    r2 = r[:, None] ** 2 + r[None, :] ** 2
    return torch.exp(-r2 / (2 * sigma**2)) / (2 * math.pi * sigma**2)


def dog_kernel(size: int = 7, sigma_1: float = 9.0, sigma_2: float = 10.0, *, dtype: torch.dtype = torch.float32,
               device: torch.device | str = "cpu") -> torch.Tensor:
    """The (1, 1, size, size) difference of Gaussian densities g_{sigma_1} - g_{sigma_2}."""
    g = gaussian_density(size, sigma_1) - gaussian_density(size, sigma_2)
    return g.to(dtype=dtype, device=device).view(1, 1, size, size)


def edge_response(x: torch.Tensor, dog: torch.Tensor) -> torch.Tensor:
    """|DoG * x| of (B, 1, H, W) ``x`` with reflected borders."""
    r = dog.shape[-1] // 2
    return F.conv2d(F.pad(x, (r,) * 4, mode="reflect"), dog).abs()


def filter2noise_loss(denoiser: Callable[[torch.Tensor], torch.Tensor], y: torch.Tensor, dog: torch.Tensor,
                      lam: float) -> torch.Tensor:
    """The Filter2Noise loss of ``denoiser`` on the noisy (B, 1, H, W) ``y`` (H, W even)."""
    y1, y2 = pair_downsample(y)
    e1 = denoiser(euclidean_local_shuffle(y1))
    e2 = denoiser(euclidean_local_shuffle(y2))
    full = denoiser(y)
    d1, d2 = pair_downsample(full)
    pair = F.l1_loss(e1, e2)
    crossed = F.l1_loss(e1, d1) + F.l1_loss(e2, d2)
    downsampled = F.l1_loss(d1, d2)
    edges = F.l1_loss(edge_response(full, dog), edge_response(y, dog))
    return (pair + crossed + downsampled) / 3 + lam * edges
