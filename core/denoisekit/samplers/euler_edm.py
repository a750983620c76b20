"""Euler sampling of the probability flow ODE in the EDM variables (Karras et al., NeurIPS 2022,
Alg. 1 without the second-order correction).

The ODE is integrated in ``sigma`` for the unscaled variable ``x~ = (x - shift) / scale``:
``dx~/dsigma = (x~ - D(x~; sigma)) / sigma`` (eq. 1 with eq. 3; their Sec. 3 choice ``sigma(t) = t``,
``s(t) = 1``, which applies to any schedule through ``x~``), on the sigma values of the schedule's grid.
"""

from __future__ import annotations

import torch

from denoisekit.denoisers.base import ScoreModel
from denoisekit.samplers.base import Sampler, coefficients, predict
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


class EulerEDM(Sampler):
    """Deterministic first-order ODE sampler: one model evaluation per step."""

    def step(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, ts: list[float], i: int, *,
             y: Tensor | None, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        t, u = ts[i], ts[i + 1]
        x0_hat, _ = predict(model, schedule, x, t, y)
        scale_t, sigma_t, shift_t = coefficients(schedule, t, y)
        scale_u, sigma_u, shift_u = coefficients(schedule, u, y)
        x_tilde = (x - shift_t) / scale_t
        x_u = x_tilde + (sigma_u - sigma_t) * (x_tilde - x0_hat) / sigma_t
        return scale_u * x_u + shift_u, x0_hat
