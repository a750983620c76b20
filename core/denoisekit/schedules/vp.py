"""The variance-preserving (VP) SDE with a linear beta schedule.

Song et al., "Score-Based Generative Modeling through Stochastic Differential Equations", ICLR 2021,
eq. 11: ``dx = -beta(t)/2 x dt + sqrt(beta(t)) dw`` with ``beta(t) = beta_min + t (beta_max - beta_min)``,
the continuous limit of DDPM (Ho et al. 2020). With ``B(t) = int_0^t beta`` the marginal is
``x_t = exp(-B/2) x0 + sqrt(1 - exp(-B)) eps``, i.e. ``scale = exp(-B/2)``, ``sigma = sqrt(exp(B) - 1)``
(Karras et al. 2022, Table 1).
"""

from __future__ import annotations

import torch

from denoisekit.schedules.base import NoiseSchedule, Tensor, Time, as_time, per_sample


class VP(NoiseSchedule):
    """VP SDE on ``t`` in ``[t_min, 1]`` (Song et al. 2021 sample down to ``t_min = 1e-3``)."""

    t_max = 1.0

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0, t_min: float = 1e-3):
        self.beta_min, self.beta_max, self.t_min = beta_min, beta_max, t_min

    def beta(self, t: Time) -> Tensor:
        return self.beta_min + as_time(t) * (self.beta_max - self.beta_min)

    def integrated_beta(self, t: Time) -> Tensor:
        """``B(t) = int_0^t beta(s) ds``."""
        t = as_time(t)
        return self.beta_min * t + 0.5 * (self.beta_max - self.beta_min) * t**2

    def scale(self, t: Time) -> Tensor:
        return torch.exp(-0.5 * self.integrated_beta(t))

    def sigma(self, t: Time) -> Tensor:
        return torch.sqrt(torch.expm1(self.integrated_beta(t)))

    def sde(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        beta = self.beta(t)
        return -0.5 * per_sample(beta, x) * x, per_sample(torch.sqrt(beta), x)

    def sigma_to_t(self, sigma: float | Tensor) -> Tensor:
        """Solve ``B(t) = log(1 + sigma^2)``, a quadratic in ``t`` (root written without cancellation)."""
        b = torch.log1p(as_time(sigma) ** 2)
        return 2 * b / (self.beta_min + torch.sqrt(self.beta_min**2 + 2 * (self.beta_max - self.beta_min) * b))
