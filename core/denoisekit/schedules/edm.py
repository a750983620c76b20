"""The EDM schedule of Karras et al., "Elucidating the Design Space of Diffusion-Based Generative
Models", NeurIPS 2022: ``sigma(t) = t``, ``scale(t) = 1`` (their Sec. 3 choice), so the probability
flow ODE is ``dx/dsigma = (x - D(x; sigma)) / sigma`` (eq. 1 with eq. 3) and the SDE is
``dx = sqrt(2 t) dw``; the sampling grid is their eq. 5 (``rho = 7``).
"""

from __future__ import annotations

import torch

from denoisekit.schedules.base import NoiseSchedule, Tensor, Time, as_time, per_sample


class EDM(NoiseSchedule):
    """``t = sigma`` in ``[sigma_min, sigma_max]``; :meth:`timesteps` is the Karras rho grid."""

    def __init__(self, sigma_min: float = 0.002, sigma_max: float = 80.0, rho: float = 7.0):
        self.sigma_min, self.sigma_max, self.rho = sigma_min, sigma_max, rho
        self.t_min, self.t_max = sigma_min, sigma_max

    def sigma(self, t: Time) -> Tensor:
        return as_time(t).clone()

    def sde(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        return torch.zeros_like(x), per_sample(torch.sqrt(2 * as_time(t)), x)

    def sigma_to_t(self, sigma: float | Tensor) -> Tensor:
        return as_time(sigma).clone()

    def grid_between(self, start: float, end: float, steps: int,
                     device: torch.device | str | None = None) -> Tensor:
        """Eq. 5 with ``N = steps + 1`` points from ``start`` (``sigma_max`` for :meth:`timesteps`) to ``end``
        (``sigma_min``); the final step to ``sigma = 0`` of Karras's Alg. 1 is the samplers' final denoising."""
        i = torch.linspace(0, 1, steps + 1, dtype=torch.float64, device=device)
        lo, hi = end ** (1 / self.rho), start ** (1 / self.rho)
        return (hi + i * (lo - hi)) ** self.rho
