"""Per-band noise levels of a cube, and the band weights that make non-iid Gaussian noise iid.

Each band's standard deviation is ``median(|HH|) / 0.6745`` over its finest diagonal Haar coefficients
(Donoho & Johnstone, Biometrika 1994; the core's :func:`denoisekit.api.estimate_sigma`, one per band).
Dividing band b by ``sigma_b / sigma_ref`` gives every band the noise level ``sigma_ref``; a per-band scaling
keeps the cube's spectral rank, so a rank-R model fits the scaled cube as well as the original.
"""

from __future__ import annotations

import torch

from denoisekit.api import estimate_sigma

Tensor = torch.Tensor


def band_sigmas(cube: Tensor) -> Tensor:
    """The noise standard deviation of each band of ``cube`` (bands, H, W), a (bands,) float64 CPU tensor."""
    return estimate_sigma(cube.detach().cpu(), per=(0,))


def whitening(sigmas: Tensor, floor: float = 0.25) -> tuple[Tensor, float]:
    """Band scales ``sigma_b / sigma_ref`` and ``sigma_ref = median(sigma_b)``; ``sigma_b`` is first raised to at
    least ``floor * sigma_ref`` so that a nearly noise-free band is not blown up."""
    ref = float(sigmas.median())
    if ref <= 0:
        return torch.ones_like(sigmas), 0.0
    return sigmas.clamp(min=floor * ref) / ref, ref
