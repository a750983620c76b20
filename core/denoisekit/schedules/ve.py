"""The variance-exploding (VE) SDE with a geometric noise level.

Song et al., ICLR 2021, eq. 9: ``dx = sqrt(d[sigma^2]/dt) dw`` with
``sigma(t) = sigma_min (sigma_max / sigma_min)^t``, so ``g(t) = sigma(t) sqrt(2 log(sigma_max / sigma_min))``;
the continuous limit of NCSN (SMLD). Like the reference implementation, the marginal standard
deviation is taken to be ``sigma(t)`` itself (the data are assumed to carry ``sigma_min`` of noise at t=0).
"""

from __future__ import annotations

import math

import torch

from denoisekit.schedules.base import NoiseSchedule, Tensor, Time, as_time, per_sample


class VE(NoiseSchedule):
    """VE SDE on ``t`` in ``[t_min, 1]`` (Song et al. 2021 sample down to ``t_min = 1e-5``)."""

    t_max = 1.0

    def __init__(self, sigma_min: float = 0.01, sigma_max: float = 50.0, t_min: float = 1e-5):
        self.sigma_min, self.sigma_max, self.t_min = sigma_min, sigma_max, t_min

    def sigma(self, t: Time) -> Tensor:
        return self.sigma_min * (self.sigma_max / self.sigma_min) ** as_time(t)

    def sde(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        g = self.sigma(t) * math.sqrt(2 * math.log(self.sigma_max / self.sigma_min))
        return torch.zeros_like(x), per_sample(g, x)

    def sigma_to_t(self, sigma: float | Tensor) -> Tensor:
        return torch.log(as_time(sigma) / self.sigma_min) / math.log(self.sigma_max / self.sigma_min)
