"""Poisson-Gaussian (shot plus read) noise y = zeta Poisson(x / zeta) + sigma n: E[y] = x, Var[y] = zeta x + sigma^2.

The likelihood is the usual heteroscedastic Gaussian approximation N(y; x, v(x)), v(x) = zeta x+ + sigma^2
(Foi et al., "Practical Poissonian-Gaussian noise modeling and fitting for single-image raw-data",
IEEE TIP 17(10), 2008). Tweedie-type estimate: for p(y | x) = N(y; x, v(x)) the score is exactly
s(y) = d/dy log p(y) = E[(x - y) / v(x) | y]; evaluating v at the estimate itself gives the fixed point
x_hat = y + v(x_hat) s, solved in closed form:

    x_hat = (y + sigma^2 s) / (1 - zeta s)    where y + sigma^2 s >= 0 and zeta s < 1,
    x_hat = y + sigma^2 s                     where y + sigma^2 s < 0 (v = sigma^2 there),
    x_hat = y + v(y) s                        otherwise (no fixed point: the variance at the observation).

It is exact as zeta -> 0 (Gaussian); otherwise its error is the Jensen gap of 1 / v(x) over the posterior
(by quadrature with x ~ N(20, 2^2), gain 0.5, sigma 1: within 0.1 posterior standard deviations).
"""

from __future__ import annotations

import torch

from denoisekit.noise.base import NoiseModel, per_batch, standard_normal


class PoissonGaussian(NoiseModel):
    """y = gain * Poisson(x / gain) + sigma * n; x is clipped at 0 for the Poisson part. Real tensors only."""

    def __init__(self, gain: float, sigma: float):
        super().__init__()
        if gain <= 0 or sigma <= 0:
            raise ValueError(f"gain and sigma must be positive, got {gain} and {sigma}")
        self.gain = float(gain)
        self.sigma = float(sigma)

    def variance(self, mean: torch.Tensor) -> torch.Tensor:
        """v = gain * max(mean, 0) + sigma^2."""
        return self.gain * mean.clamp(min=0) + self.sigma**2

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        shot = self.gain * torch.poisson(x.clamp(min=0) / self.gain, generator=generator)
        return shot + self.sigma * standard_normal(x, generator)

    def tweedie(self, y: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
        """The fixed point x_hat = y + v(x_hat) score (module docstring)."""
        gaussian = y + self.sigma**2 * score
        denominator = 1 - self.gain * score
        fixed_point = gaussian / torch.where(denominator > 0, denominator, 1)
        at_observation = y + self.variance(y) * score
        return torch.where(gaussian < 0, gaussian, torch.where(denominator > 0, fixed_point, at_observation))

    def nll(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """sum (y - Ax)^2 / (2 v(Ax)) + log v(Ax) / 2 (the Gaussian approximation)."""
        v = self.variance(Ax)
        return per_batch((y - Ax) ** 2 / (2 * v) + torch.log(v) / 2)

    def nll_grad(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """r / v + v' (1 / v - r^2 / v^2) / 2 with r = Ax - y, v' = gain [Ax > 0]."""
        r, v = Ax - y, self.variance(Ax)
        dv = self.gain * (Ax > 0).to(Ax.dtype)
        return r / v + dv * (1 / v - r**2 / v**2) / 2
