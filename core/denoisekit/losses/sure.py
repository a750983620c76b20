"""Stein's unbiased risk estimate (SURE) for Gaussian denoising, with a Monte-Carlo divergence.

C. M. Stein, "Estimation of the Mean of a Multivariate Normal Distribution", Ann. Statist. 1981: for
y = x + sigma n, n ~ N(0, I) in R^N and a weakly differentiable f,

    SURE(f, y) = ||y - f(y)||^2 / N - sigma^2 + 2 sigma^2 div f(y) / N

has expectation E||f(y) - x||^2 / N. The divergence is estimated as in S. Ramani, T. Blu and M. Unser,
"Monte-Carlo SURE", IEEE TIP 2008: div f(y) ~ b^T (f(y + eps b) - f(y)) / eps with one probe b ~ N(0, I)
per call. ``eps`` defaults to 1e-3 max|y| (1e-3 for y = 0; our choice: small against the data, well above
float32 round-off).
"""

from __future__ import annotations

import torch

from denoisekit.losses.base import Model, SelfSupervisedLoss, require_denoising
from denoisekit.noise import Gaussian, NoiseModel
from denoisekit.operators import ForwardOperator


class SURE(SelfSupervisedLoss):
    """Monte-Carlo SURE averaged over the whole batch; needs ``noise=Gaussian(sigma)`` (here or in the call);
    denoising only."""

    def __init__(self, eps: float | None = None, noise: NoiseModel | None = None):
        super().__init__(noise)
        if eps is not None and eps <= 0:
            raise ValueError(f"eps must be positive, got {eps}")
        self.eps = eps

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        require_denoising(op, "SURE")
        noise = self.noise_model(noise, "Gaussian(sigma)")
        if not isinstance(noise, Gaussian):
            raise ValueError(f"SURE needs noise=Gaussian(sigma), got {type(noise).__name__}")
        sigma2 = noise.sigma**2
        eps = self.eps if self.eps is not None else 1e-3 * (float(y.detach().abs().max()) or 1.0)
        b = torch.randn(y.shape, generator=generator, dtype=y.dtype, device=y.device)
        out = model(y)
        divergence = (b * (model(y + eps * b) - out)).sum() / eps
        n = y.numel()
        return (y - out).square().sum() / n - sigma2 + 2 * sigma2 * divergence / n
