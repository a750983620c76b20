"""Heun sampling with optional churn (Karras et al., NeurIPS 2022, Alg. 1 and Alg. 2).

In the unscaled variable ``x~ = (x - shift) / scale``: if ``S_min <= sigma_i <= S_max`` the noise is
first raised to ``sigma^ = sigma_i (1 + gamma)``, ``gamma = min(S_churn / N, sqrt(2) - 1)``, by adding
``sqrt(sigma^2 - sigma_i^2) S_noise z`` (Alg. 2, lines 4-6); then an Euler step
``d = (x~ - D(x~; sigma^)) / sigma^`` to ``sigma_{i+1}`` is corrected with the slope at the end point
(trapezoidal rule, lines 7-11). ``S_churn = 0`` gives the deterministic Alg. 1. ``N = steps + 1`` (the
grid points other than 0, as in the paper). Churn on a score model needs the schedule's ``sigma_to_t``.
"""

from __future__ import annotations

import math

import torch

from denoisekit.denoisers.base import ScoreModel
from denoisekit.samplers.base import Sampler, coefficients, denoise, randn_like
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


class HeunEDM(Sampler):
    """Second-order Heun sampler: two model evaluations per step (one fewer overall, see Alg. 1)."""

    def __init__(self, S_churn: float = 0.0, S_min: float = 0.0, S_max: float = math.inf, S_noise: float = 1.0,
                 denoise_final: bool = True):
        super().__init__(denoise_final)
        self.S_churn, self.S_min, self.S_max, self.S_noise = S_churn, S_min, S_max, S_noise

    def step(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, ts: list[float], i: int, *,
             y: Tensor | None, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        t, u = ts[i], ts[i + 1]
        scale_t, sigma_t, shift_t = coefficients(schedule, t, y)
        scale_u, sigma_u, shift_u = coefficients(schedule, u, y)
        x_hat = (x - shift_t) / scale_t
        gamma = min(self.S_churn / len(ts), math.sqrt(2) - 1) if self.S_min <= sigma_t <= self.S_max else 0.0
        sigma_hat, t_hat = sigma_t, t
        if gamma > 0:
            sigma_hat = sigma_t * (1 + gamma)
            t_hat = float(schedule.sigma_to_t(sigma_hat))
            x_hat = x_hat + math.sqrt(sigma_hat**2 - sigma_t**2) * self.S_noise * randn_like(x, generator)
        x0_hat = denoise(model, schedule, x_hat, t_hat, y)
        d = (x_hat - x0_hat) / sigma_hat
        x_u = x_hat + (sigma_u - sigma_hat) * d
        if sigma_u > 0:
            d_u = (x_u - denoise(model, schedule, x_u, u, y)) / sigma_u
            x_u = x_hat + (sigma_u - sigma_hat) * 0.5 * (d + d_u)
        return scale_u * x_u + shift_u, x0_hat
