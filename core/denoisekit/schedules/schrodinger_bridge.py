"""The Schroedinger bridge between the clean signal and the observation, variance-exploding reference (SB-VE).

Jukic, Korostik, Balam & Ginsburg, "Schroedinger Bridge for Generative Speech Enhancement", Interspeech 2024
(Sec. 2, after Chen et al., "Schroedinger Bridges Beat Diffusion Models on Text-to-Speech Synthesis", 2023): with
the reference SDE ``dx = g(t) dw``, ``g(t)^2 = c k^{2t}``, the bridge from ``x0`` (t = 0) to ``y`` (t = 1) has
the Gaussian marginal

    mean(t) = (sigma_bar_t^2 / sigma_1^2) x0 + (sigma_t^2 / sigma_1^2) y,
    var(t)  = sigma_t^2 sigma_bar_t^2 / sigma_1^2,

with ``sigma_t^2 = int_0^t g^2 = c (k^{2t} - 1) / (2 log k)`` and ``sigma_bar_t^2 = sigma_1^2 - sigma_t^2``; it starts
at ``y`` itself, not at noise. In the EDM form of :class:`NoiseSchedule`: ``scale = sigma_bar_t^2 / sigma_1^2``,
``shift = (sigma_t^2 / sigma_1^2) y`` and ``sigma = sigma_t sigma_1 / sigma_bar_t``. Its transitions are those of the
Brownian bridge pinned at ``y`` (drift ``g^2 (y - x) / sigma_bar_t^2``), which belong to the family the core's
samplers integrate exactly, so DDIM with ``eta = 0`` is the papers' first-order ODE sampler and ``eta = 1`` their
first-order SDE sampler. The defaults are the paper's SB-VE (k = 2.6, c = 0.4). At ``t = 1`` the scale is 0 and
the noise level infinite, so sampling starts just below, at ``t_max = 0.999``.
"""

from __future__ import annotations

import math

import torch

from denoisekit.schedules.base import ObservationStartSchedule, Tensor, Time, as_time, per_sample


class SBVE(ObservationStartSchedule):
    """Schroedinger bridge with a VE reference SDE, ``g(t)^2 = c k^{2t}``, on ``[t_min, t_max]``; needs ``y``."""

    def __init__(self, k: float = 2.6, c: float = 0.4, t_min: float = 1e-4, t_max: float = 0.999):
        if k <= 1 or c <= 0 or not 0 < t_min < t_max < 1:
            raise ValueError(f"SBVE needs k > 1, c > 0 and 0 < t_min < t_max < 1, got {k}, {c}, {t_min}, {t_max}")
        self.k, self.c, self.t_min, self.t_max = k, c, t_min, t_max
        self._log_k = math.log(k)

    def variance_reference(self, t: Time) -> Tensor:
        """``sigma_t^2 = c (k^{2t} - 1) / (2 log k)``, the reference process's variance at ``t``."""
        return self.c * torch.expm1(2 * self._log_k * as_time(t)) / (2 * self._log_k)

    def _sigma1_sq(self) -> float:
        return self.c * math.expm1(2 * self._log_k) / (2 * self._log_k)

    def _remaining(self, t: Time) -> Tensor:
        """``sigma_bar_t^2 = sigma_1^2 - sigma_t^2``, written so that it stays accurate near ``t = 1``."""
        t = as_time(t)
        return self.c * torch.exp(2 * self._log_k * t) * torch.expm1(2 * self._log_k * (1 - t)) / (2 * self._log_k)

    def scale(self, t: Time) -> Tensor:
        return self._remaining(t) / self._sigma1_sq()

    def sigma(self, t: Time) -> Tensor:
        return torch.sqrt(self.variance_reference(t) * self._sigma1_sq() / self._remaining(t))

    def shift(self, t: Time, y: Tensor | None = None) -> Tensor:
        if y is None:
            raise ValueError("the Schroedinger bridge needs the observation y")
        return per_sample(self.variance_reference(t) / self._sigma1_sq(), y) * y

    def sde(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """The bridge's forward SDE ``dx = g^2 (y - x) / sigma_bar_t^2 dt + g dw``."""
        if y is None:
            raise ValueError("the Schroedinger bridge needs the observation y")
        t = as_time(t)
        g2 = self.c * torch.exp(2 * self._log_k * t)
        return per_sample(g2 / self._remaining(t), x) * (y - x), per_sample(torch.sqrt(g2), x)
