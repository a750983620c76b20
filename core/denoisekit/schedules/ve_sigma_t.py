"""The VE SDE ``dx = sigma^t dw`` on ``t`` in ``[0, 1]``.

The SDE of Song's score-based generative modelling tutorial, used by the ultrasound dehazing
diffusion model of Stevens et al., "Dehazing Ultrasound using Diffusion Models", IEEE TMI 2024. Its
marginal is
``x_t = x0 + std(t) eps`` with ``std(t)^2 = int_0^t sigma^{2s} ds = (sigma^{2t} - 1) / (2 log sigma)``.
"""

from __future__ import annotations

import math

import torch

from denoisekit.schedules.base import NoiseSchedule, Tensor, Time, as_time, per_sample


class VESigmaT(NoiseSchedule):
    """``dx = sigma^t dw`` on ``t`` in ``[t_min, 1]`` (the tutorial samples down to ``t_min = 1e-3``)."""

    t_max = 1.0

    def __init__(self, sigma: float = 25.0, t_min: float = 1e-3):
        self.base, self.t_min = sigma, t_min
        self._two_log = 2 * math.log(sigma)

    def sigma(self, t: Time) -> Tensor:
        return torch.sqrt(torch.expm1(self._two_log * as_time(t)) / self._two_log)

    def sde(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        return torch.zeros_like(x), per_sample(self.base ** as_time(t), x)

    def sigma_to_t(self, sigma: float | Tensor) -> Tensor:
        return torch.log1p(self._two_log * as_time(sigma) ** 2) / self._two_log
