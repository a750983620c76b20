"""Per-band noise levels of a cube, and the band weights that make non-iid Gaussian noise iid.

Each band's standard deviation is ``median(|HH|) / 0.6745`` over its finest diagonal Haar coefficients
(Donoho & Johnstone, Biometrika 1994; the core's :func:`denoisekit.api.estimate_sigma`, one per band).
Dividing band b by ``sigma_b / sigma_ref`` gives every band the noise level ``sigma_ref``; a per-band scaling
keeps the cube's spectral rank, so a rank-R model fits the scaled cube as well as the original.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class CubeNoise:
    """The noise level a cube on [-1, 1] is restored at, and the band scales that whiten it.

    sigma_y: the (common) noise standard deviation on [-1, 1]; scales: per-band divisors (bands,) float64;
    source: how sigma_y was found, as run.json's ``sigma_source`` says it.
    """

    sigma_y: float
    scales: Tensor
    source: str

    def notes(self, span: float) -> dict[str, float | str]:
        """run.json's noise notes: sigma in data units (the cube spans ``span``), its source, sigma on [-1, 1]."""
        return {"sigma": self.sigma_y * span / 2, "sigma_source": self.source, "sigma_scaled": self.sigma_y}


def cube_noise(y: Tensor, sigma: float, span: float, noniid: bool) -> CubeNoise:
    """The noise of ``y`` (bands, H, W) on [-1, 1]: ``sigma`` in data units when given (> 0), else estimated
    per band; with ``noniid`` the bands are scaled to their median level (:func:`whitening`), else the level is
    the RMS of the per-band estimates."""
    ones = torch.ones(y.shape[0], dtype=torch.float64)
    if sigma > 0:
        return CubeNoise(2 * sigma / span, ones, "given")
    sigmas = band_sigmas(y)
    if noniid:
        scales, sigma_y = whitening(sigmas)
        return CubeNoise(sigma_y, scales, "estimated per band (median(|HH|) / 0.6745), bands scaled to their "
                                          "median level")
    return CubeNoise(float(sigmas.square().mean().sqrt()), ones, "estimated (RMS of per-band MAD estimates)")
