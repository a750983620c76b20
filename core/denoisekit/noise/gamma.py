"""Multiplicative Gamma (speckle) noise y = x g, g ~ Gamma(shape ell, scale 1 / ell): E[y] = x, Var[y] = x^2 / ell.

Noise2Score's estimate (Kim & Ye, NeurIPS 2021), derived here for the record. The likelihood
p(y | x) = (ell / x)^ell y^(ell - 1) exp(-ell y / x) / Gamma(ell) is an exponential family in y with
natural parameter eta = -ell / x, T(y) = y and h(y) = y^(ell - 1). Tweedie's formula for exponential
families (Efron, JASA 2011, Sec. 2), E[eta | y] = s(y) - (ell - 1) / y with s = d/dy log p(y), gives
exactly E[1 / x | y] = ((ell - 1) - y s(y)) / (ell y), and the estimate is its reciprocal

    x_hat = 1 / E[1 / x | y] = ell y / ((ell - 1) - y s(y)),

the posterior harmonic mean, which lies below the posterior mean E[x | y]: for an inverse-Gamma(a, b)
prior (conjugate) x_hat = (b + ell y) / (a + ell) while E[x | y] = (b + ell y) / (a + ell - 1).
"""

from __future__ import annotations

import torch

from denoisekit.noise.base import NoiseModel, per_batch


class Gamma(NoiseModel):
    """y = x * Gamma(ell, 1 / ell), for x > 0. Real tensors only."""

    def __init__(self, ell: float):
        super().__init__()
        if ell <= 0:
            raise ValueError(f"ell must be positive, got {ell}")
        self.ell = float(ell)

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        shape = torch.full_like(x, self.ell)
        return x * torch._standard_gamma(shape, generator=generator) / self.ell

    def tweedie(self, y: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
        """ell y / ((ell - 1) - y score) (Noise2Score)."""
        return self.ell * y / ((self.ell - 1) - y * score)

    def nll(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """ell sum (log Ax + y / Ax), for Ax > 0."""
        return self.ell * per_batch(torch.log(Ax) + y / Ax)

    def nll_grad(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """ell (Ax - y) / Ax^2."""
        return self.ell * (Ax - y) / Ax**2
