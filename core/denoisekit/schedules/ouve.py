"""The Ornstein-Uhlenbeck variance-exploding (OUVE) SDE of SGMSE+.

Richter, Welker, Lemercier, Lay, Gerkmann, "Speech Enhancement and Dereverberation with
Diffusion-based Generative Models", IEEE/ACM TASLP 2023 (Sec. III): ``dx = theta (y - x) dt + g(t) dw``
with ``g(t) = sigma_min r^t sqrt(2 log r)``, ``r = sigma_max / sigma_min``: the mean drifts from the
clean signal towards the observation ``y`` while the noise grows geometrically. The marginal is

    mean(t) = e^{-theta t} x0 + (1 - e^{-theta t}) y,
    Var(t)  = sigma_min^2 (r^{2t} - e^{-2 theta t}) log r / (theta + log r),

the solution of ``dV/dt = -2 theta V + g(t)^2`` with ``V(0) = 0``. In the EDM form this is
``scale = e^{-theta t}``, ``shift = (1 - e^{-theta t}) y``, ``sigma = sqrt(Var) e^{theta t}``.
"""

from __future__ import annotations

import math

import torch

from denoisekit.schedules.base import ObservationStartSchedule, Tensor, Time, as_time, per_sample


class OUVE(ObservationStartSchedule):
    """OUVE SDE on ``t`` in ``[t_min, T]`` (SGMSE+ samples down to ``t_min = 0.03``); needs ``y``."""

    def __init__(self, theta: float = 1.5, sigma_min: float = 0.05, sigma_max: float = 0.5, T: float = 1.0,
                 t_min: float = 0.03):
        self.theta, self.sigma_min, self.sigma_max, self.T = theta, sigma_min, sigma_max, T
        self.t_min, self.t_max = t_min, T
        self._log_r = math.log(sigma_max / sigma_min)

    def scale(self, t: Time) -> Tensor:
        return torch.exp(-self.theta * as_time(t))

    def variance(self, t: Time) -> Tensor:
        """``Var(t)``, written with ``expm1`` so that it stays accurate for small ``t``."""
        t = as_time(t)
        k = self.theta + self._log_r
        return self.sigma_min**2 * torch.exp(-2 * self.theta * t) * torch.expm1(2 * k * t) * self._log_r / k

    def sigma(self, t: Time) -> Tensor:
        return torch.sqrt(self.variance(t)) / self.scale(t)

    def shift(self, t: Time, y: Tensor | None = None) -> Tensor:
        if y is None:
            raise ValueError("the OUVE schedule needs the observation y")
        return per_sample(-torch.expm1(-self.theta * as_time(t)), y) * y

    def sde(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if y is None:
            raise ValueError("the OUVE schedule needs the observation y")
        g = self.sigma_min * torch.exp(self._log_r * as_time(t)) * math.sqrt(2 * self._log_r)
        return self.theta * (y - x), per_sample(g, x)
