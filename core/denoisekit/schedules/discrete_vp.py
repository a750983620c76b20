"""A discrete DDPM schedule (Ho et al., NeurIPS 2020) seen as a VP schedule on continuous time.

The betas come from MONAI's schedule registry (``monai.networks.schedulers``: ``linear_beta``,
``scaled_linear_beta``, ``sigmoid_beta``, ``cosine``), so a denoiser trained with MONAI's
``DDPMScheduler`` sees exactly its training noise levels; MONAI's samplers are not used (their
``clip_sample=True`` default clips x0 to [-1, 1]). Time is in the training index units:
``t = n`` gives ``alpha_bar_n``; between integers ``log sigma`` is interpolated linearly.
"""

from __future__ import annotations

from typing import Any

import torch

from denoisekit.schedules.base import NoiseSchedule, Tensor, Time, as_time, per_sample


class DiscreteVP(NoiseSchedule):
    """``scale = sqrt(alpha_bar)``, ``sigma = sqrt(1 / alpha_bar - 1)`` on ``t`` in ``[0, N - 1]``."""

    def __init__(self, num_train_timesteps: int = 1000, schedule: str = "linear_beta",
                 schedule_args: dict[str, Any] | None = None):
        from monai.networks.schedulers import Scheduler

        alphas_cumprod = Scheduler(num_train_timesteps, schedule, **(schedule_args or {})).alphas_cumprod
        self.log_sigmas = 0.5 * torch.log(1 / alphas_cumprod.double() - 1)
        self.t_min, self.t_max = 0.0, float(num_train_timesteps - 1)

    def _interp(self, t: Tensor) -> tuple[Tensor, Tensor]:
        """``log sigma(t)`` and its slope on the interval that holds ``t`` (clamped to the grid)."""
        table = self.log_sigmas.to(t.device)
        t = t.clamp(self.t_min, self.t_max)
        i = t.floor().long().clamp(max=len(table) - 2)
        slope = table[i + 1] - table[i]
        return table[i] + (t - i) * slope, slope

    def sigma(self, t: Time) -> Tensor:
        t = as_time(t)
        return torch.exp(self._interp(t.double())[0]).to(t.dtype)

    def scale(self, t: Time) -> Tensor:
        return torch.rsqrt(1 + self.sigma(t) ** 2)

    def sde(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """``beta(t) = d log(1 + sigma^2) / dt`` (per unit of the index time)."""
        log_sigma, slope = self._interp(as_time(t).double())
        sigma2 = torch.exp(2 * log_sigma)
        beta = 2 * sigma2 / (1 + sigma2) * slope
        return -0.5 * per_sample(beta, x) * x, per_sample(torch.sqrt(beta), x)

    def sigma_to_t(self, sigma: float | Tensor) -> Tensor:
        """Inverse of the interpolation; noise levels outside the table are clamped to its ends."""
        sigma = as_time(sigma)
        table = self.log_sigmas.to(sigma.device)
        log_sigma = torch.log(sigma.double()).clamp(table[0], table[-1])
        i = (torch.searchsorted(table, log_sigma) - 1).clamp(0, len(table) - 2)
        t = i + (log_sigma - table[i]) / (table[i + 1] - table[i])
        return t.to(sigma.dtype)
