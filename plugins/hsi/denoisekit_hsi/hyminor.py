"""HyMiNoR-style mixed-noise removal (Rasti, Ghamisi & Benediktsson, "Hyperspectral mixed Gaussian and
sparse noise reduction", IEEE GRSL 17(3), 2020): Y = X + S + N with S sparse (stripes, dead lines,
impulses), by alternating minimisation of 1/2 ||Y - X - S||^2 + lambda ||S||_1 + the Gaussian
denoiser's prior on X:

    S <- soft(Y - X, kappa sigma_b)   (the l1 proximal step, per band)
    X <- denoise(Y - S)               (HyRes as in the paper, or FastHyDe)

Entries holding a stuck value (an exact value repeated across the band: impulses, dead lines, see
:func:`denoisekit_hsi.fasthyde_mixed.stuck_value_mask`) are wholly sparse noise (S = Y - X there) and
start from the band's median. sigma_b starts from Donoho's MAD rule on the finest diagonal Haar
coefficients and is then re-estimated from the median absolute residual of the other entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import torch

from denoisekit.api import estimate_sigma, mad_std
from denoisekit_hsi.fasthyde import fasthyde
from denoisekit_hsi.fasthyde_mixed import stuck_value_mask
from denoisekit_hsi.hyres import hyres

T = TypeVar("T")


def hyminor(cube: torch.Tensor, iterations: int = 1, kappa: float = 3.0, denoiser: str = "hyres",
            progress: Callable[[Iterable[T], str], Iterable[T]] | None = None,
            info: dict | None = None) -> torch.Tensor:
    """Remove Gaussian plus sparse noise from ``cube`` (H, W, B); ``denoiser`` is "hyres" or "fasthyde"."""
    if denoiser not in ("hyres", "fasthyde"):
        raise ValueError(f"denoiser must be 'hyres' or 'fasthyde', not {denoiser!r}")

    def denoise(y: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return hyres(y, sigma=sigma) if denoiser == "hyres" else fasthyde(y, sigma=sigma)

    b = cube.shape[-1]
    stuck = stuck_value_mask(cube)
    band_median = torch.where(stuck, torch.nan, cube).reshape(-1, b).nanmedian(dim=0).values.nan_to_num()
    filled = torch.where(stuck, band_median, cube)
    sigma = estimate_sigma(filled, spatial_axes=(0, 1), per=(2,)).to(cube.dtype).clamp(min=1e-6)
    x = denoise(filled, sigma)
    sparse = torch.where(stuck, cube - band_median, 0.0)
    steps = range(iterations)
    for _ in progress(steps, "hyminor: iterations") if progress else steps:
        residual = cube - x
        sparse = torch.where(stuck, residual, residual.sign() * (residual.abs() - kappa * sigma).clamp(min=0))
        rest = torch.where(stuck, torch.nan, residual - sparse).reshape(-1, b)
        sigma = mad_std(rest, dim=0).nan_to_num(1e-6).clamp(min=1e-6)
        x = denoise(cube - sparse, sigma)
    if info is not None:
        info.update(sparse_fraction=float((sparse != 0).float().mean()), stuck_fraction=float(stuck.float().mean()),
                    noise_std_mean=float(sigma.mean()))
    return x
