"""The exact MMSE denoiser of a Gaussian prior.

For ``x0 ~ N(mu, C)`` and ``x = x0 + sigma eps`` the posterior mean is the Wiener filter
``D(x, sigma) = mu + C (C + sigma^2 I)^{-1} (x - mu)``; with ``C = U diag(lambda) U^T`` this is
``mu + U diag(lambda / (lambda + sigma^2)) U^T (x - mu)``. It is the analytic reference for testing
samplers (the marginals of every schedule stay Gaussian) and a simple prior in its own right.
"""

from __future__ import annotations

import torch

from denoisekit.denoisers.base import Denoiser
from denoisekit.schedules.base import per_sample

Tensor = torch.Tensor


class GaussianPriorDenoiser(Denoiser):
    """``D(x, sigma) = mu + C (C + sigma^2 I)^{-1} (x - mu)``, batched over ``x`` of shape (B, *mu.shape).

    ``mu`` has any event shape with ``d`` elements; ``cov`` is the symmetric positive semi-definite
    (d, d) covariance of the flattened signal.
    """

    def __init__(self, mu: Tensor, cov: Tensor):
        super().__init__()
        d = mu.numel()
        if cov.shape != (d, d):
            raise ValueError(f"cov must be ({d}, {d}) for mu of shape {tuple(mu.shape)}, got {tuple(cov.shape)}")
        eigenvalues, eigenvectors = torch.linalg.eigh(0.5 * (cov + cov.T))
        self.register_buffer("mu", mu.clone())
        self.register_buffer("eigenvalues", eigenvalues.clamp(min=0))
        self.register_buffer("eigenvectors", eigenvectors)

    def forward(self, x: Tensor, sigma: float | Tensor) -> Tensor:
        lam, u, mu = (b.to(x.dtype) for b in (self.eigenvalues, self.eigenvectors, self.mu.flatten()))
        flat = x.reshape(x.shape[0], -1) - mu
        gain = lam / (lam + per_sample(sigma, flat) ** 2)
        return (mu + ((flat @ u) * gain) @ u.T).reshape(x.shape)

    def prior_sample(self, batch: int, generator: torch.Generator | None = None) -> Tensor:
        """``batch`` draws from ``N(mu, C)``, shape (batch, *mu.shape)."""
        z = torch.randn(batch, self.mu.numel(), generator=generator, device=self.mu.device, dtype=self.mu.dtype)
        x = self.mu.flatten() + (z * self.eigenvalues.sqrt()) @ self.eigenvectors.T
        return x.reshape(batch, *self.mu.shape)
