"""Additive white Gaussian noise y = x + sigma n, n ~ N(0, I).

Tweedie's formula (Robbins 1956; Efron, "Tweedie's formula and selection bias", JASA 2011, Sec. 1;
the Gaussian case of Noise2Score): E[x | y] = y + sigma^2 d/dy log p(y), exact for any prior.
"""

from __future__ import annotations

import torch

from denoisekit.noise.base import NoiseModel, per_batch, standard_normal


class Gaussian(NoiseModel):
    """y = x + sigma n; complex x gets sigma on each of the real and imaginary parts."""

    def __init__(self, sigma: float):
        super().__init__()
        if sigma <= 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        self.sigma = float(sigma)

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return x + self.sigma * standard_normal(x, generator)

    def tweedie(self, y: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
        """E[x | y] = y + sigma^2 score."""
        return y + self.sigma**2 * score

    def nll(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """||y - Ax||^2 / (2 sigma^2)."""
        return per_batch((y - Ax).abs() ** 2) / (2 * self.sigma**2)

    def nll_grad(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """(Ax - y) / sigma^2."""
        return (Ax - y) / self.sigma**2
