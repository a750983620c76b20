"""Independent Gaussian noise with a per-element standard deviation (per band, per coil, per pixel):
y = x + sigma * n with a sigma tensor broadcast against x, i.e. covariance D = diag(sigma^2).

Tweedie's formula with a covariance: E[x | y] = y + D d/dy log p(y) (Efron, JASA 2011, Sec. 2),
exact for any prior. Non-i.i.d. noise of this kind is the setting of ScoreDVI
(Cheng et al., "Score priors guided deep variational inference for unsupervised real-world
single image denoising", ICCV 2023).
"""

from __future__ import annotations

import torch

from denoisekit.noise.base import NoiseModel, per_batch, standard_normal


class NonIID(NoiseModel):
    """y = x + sigma_map * n; ``sigma_map`` broadcasts against x, e.g. (C, 1, 1) per channel or (H, W) per pixel."""

    def __init__(self, sigma_map: torch.Tensor):
        super().__init__()
        if sigma_map.is_complex() or not bool((sigma_map > 0).all()):
            raise ValueError("sigma_map must be real and positive")
        self.register_buffer("sigma_map", sigma_map)

    def _sigma(self, x: torch.Tensor) -> torch.Tensor:
        return self.sigma_map.to(device=x.device, dtype=x.real.dtype)

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return x + self._sigma(x) * standard_normal(x, generator)

    def tweedie(self, y: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
        """E[x | y] = y + sigma^2 score, elementwise."""
        return y + self._sigma(y) ** 2 * score

    def nll(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """sum |y - Ax|^2 / (2 sigma^2)."""
        return per_batch(((y - Ax).abs() / self._sigma(y)) ** 2 / 2)

    def nll_grad(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """(Ax - y) / sigma^2."""
        return (Ax - y) / self._sigma(y) ** 2
