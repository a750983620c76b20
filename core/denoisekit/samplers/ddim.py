"""DDIM sampling (Song, Meng, Ermon, "Denoising Diffusion Implicit Models", ICLR 2021, eq. 12).

``x_u = sqrt(a_u) x0_hat + sqrt(1 - a_u - s^2) eps_hat + s z`` with ``s = eta sqrt((1 - a_u) / (1 - a_t))
sqrt(1 - a_t / a_u)`` (eq. 16). In the unscaled variable ``x~ = (x - shift) / scale`` this reads
``x~_u = x0_hat + sqrt(sigma_u^2 - c^2) eps_hat + c z`` with ``c = eta sigma_u sqrt(1 - sigma_u^2 / sigma_t^2)``:
``eta = 0`` is the deterministic DDIM (the Euler step of the probability flow ODE in ``sigma``),
``eta = 1`` is DDPM's ancestral sampler.
"""

from __future__ import annotations

import math

import torch

from denoisekit.denoisers.base import ScoreModel
from denoisekit.denoisers.tweedie import x0_to_eps
from denoisekit.samplers.base import Sampler, coefficients, predict, randn_like
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


class DDIM(Sampler):
    """DDIM with stochasticity ``eta`` in ``[0, 1]``."""

    def __init__(self, eta: float = 0.0, denoise_final: bool = True):
        super().__init__(denoise_final)
        self.eta = eta

    def step(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, ts: list[float], i: int, *,
             y: Tensor | None, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        t, u = ts[i], ts[i + 1]
        x0_hat, _ = predict(model, schedule, x, t, y)
        scale_t, sigma_t, shift_t = coefficients(schedule, t, y)
        scale_u, sigma_u, shift_u = coefficients(schedule, u, y)
        eps_hat = x0_to_eps(x - shift_t, x0_hat, scale_t, scale_t * sigma_t)
        c = self.eta * sigma_u * math.sqrt(1 - (sigma_u / sigma_t) ** 2)
        x_u = x0_hat + math.sqrt(sigma_u**2 - c**2) * eps_hat
        if c > 0:
            x_u = x_u + c * randn_like(x, generator)
        return scale_u * x_u + shift_u, x0_hat
