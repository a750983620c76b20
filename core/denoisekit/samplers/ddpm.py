"""DDPM ancestral sampling (Ho, Jain, Abbeel, NeurIPS 2020, Alg. 2).

Each step draws from the posterior ``q(x_u | x_t, x0 = x0_hat)`` of the forward process (eq. 6-7)
between consecutive grid times ``t > u``. In the unscaled variable ``x~ = (x - shift) / scale`` the
forward process adds independent noise of variance ``sigma_t^2 - sigma_u^2``, so the posterior is
``N(x0_hat + (sigma_u / sigma_t)^2 (x~_t - x0_hat), sigma_u^2 (1 - (sigma_u / sigma_t)^2))``: Ho's
``mu~_t`` and ``beta~_t`` for any grid and any schedule in the EDM form.
"""

from __future__ import annotations

import math

import torch

from denoisekit.denoisers.base import ScoreModel
from denoisekit.samplers.base import Sampler, coefficients, predict, randn_like
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


class DDPM(Sampler):
    """Ancestral sampling with the posterior variance ``beta~`` (Ho et al.'s ``sigma_t^2 = beta~_t``)."""

    def step(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, ts: list[float], i: int, *,
             y: Tensor | None, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        t, u = ts[i], ts[i + 1]
        x0_hat, _ = predict(model, schedule, x, t, y)
        scale_t, sigma_t, shift_t = coefficients(schedule, t, y)
        scale_u, sigma_u, shift_u = coefficients(schedule, u, y)
        ratio = (sigma_u / sigma_t) ** 2
        x_u = x0_hat + ratio * ((x - shift_t) / scale_t - x0_hat)
        x_u = x_u + sigma_u * math.sqrt(1 - ratio) * randn_like(x, generator)
        return scale_u * x_u + shift_u, x0_hat
