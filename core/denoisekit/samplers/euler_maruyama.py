"""Euler-Maruyama integration of the reverse-time SDE (Song et al., ICLR 2021, eq. 6):
``dx = [f(x, t) - g(t)^2 grad log p_t(x)] dt + g(t) dw``, integrated backwards from ``t`` to ``u < t``:
``x_u = x_t - [f - g^2 score] (t - u) + g sqrt(t - u) z``.
"""

from __future__ import annotations

import math

import torch

from denoisekit.denoisers.base import ScoreModel
from denoisekit.samplers.base import Sampler, predict, randn_like
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


class EulerMaruyama(Sampler):
    """First-order stochastic reverse-SDE sampler: one model evaluation per step."""

    def step(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, ts: list[float], i: int, *,
             y: Tensor | None, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        t, u = ts[i], ts[i + 1]
        x0_hat, score = predict(model, schedule, x, t, y)
        drift, g = schedule.sde(x, t, y)
        x_u = x - (drift - g**2 * score) * (t - u) + g * math.sqrt(t - u) * randn_like(x, generator)
        return x_u, x0_hat
