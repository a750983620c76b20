"""Scaled Poisson (shot) noise y = zeta k, k ~ Poisson(x / zeta), zeta the gain: E[y] = x, Var[y] = zeta x.

Noise2Score's estimate (Kim & Ye, NeurIPS 2021), derived here for the record. As a function of
y the likelihood is an exponential family p(y | x) = h(y) exp(eta y / zeta - x / zeta) with natural
parameter eta = log(x / zeta) and h(y) = 1 / Gamma(y / zeta + 1) (continued to real y). Tweedie's
formula for exponential families, E[eta | y] T'(y) = d/dy log p(y) - d/dy log h(y) (Efron, JASA 2011,
Sec. 2), gives exactly

    E[log(x / zeta) | y] = zeta s(y) + digamma(y / zeta + 1),      s = d/dy log p(y).

With digamma(k + 1) ~ log(k + 1/2) and exp E[log x | y] ~ E[x | y]:

    x_hat = (y + zeta / 2) exp(zeta s(y)).

It is the posterior geometric mean up to the digamma approximation (relative error below 2% for
k >= 1), which lies below the posterior mean E[x | y]: for a Gamma(a, b) prior on x / zeta
(conjugate, posterior Gamma(a + k, b + 1)) the gap is about 1 / (2 (a + k)) relative.
"""

from __future__ import annotations

import torch

from denoisekit.noise.base import NoiseModel, per_batch


class Poisson(NoiseModel):
    """y = gain * Poisson(x / gain); x is clipped at 0 before sampling. Real tensors only."""

    def __init__(self, gain: float):
        super().__init__()
        if gain <= 0:
            raise ValueError(f"gain must be positive, got {gain}")
        self.gain = float(gain)

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.gain * torch.poisson(x.clamp(min=0) / self.gain, generator=generator)

    def tweedie(self, y: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
        """(y + gain / 2) exp(gain score) (Noise2Score)."""
        return (y + self.gain / 2) * torch.exp(self.gain * score)

    def nll(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """sum (Ax - y log Ax) / gain, for Ax > 0."""
        return per_batch(Ax - torch.xlogy(y, Ax)) / self.gain

    def nll_grad(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """(Ax - y) / (gain Ax)."""
        return (Ax - y) / (self.gain * Ax)
