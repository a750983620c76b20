"""A MONAI ``DiffusionModelUNet`` (or any ``net(x_t, timesteps)``) trained as an eps-, v- or
x0-predictor on a VP-type schedule, wrapped into a :class:`Denoiser`.

``D(x, sigma)`` maps the noise level to the net's time with the schedule's inverse
``t = sigma_to_t(sigma)``, feeds ``x_t = scale(t) x`` (the net's training input) with timesteps
``t * timestep_scale``, and turns the prediction into x0 with :mod:`denoisekit.denoisers.tweedie`.
Use :class:`~denoisekit.schedules.DiscreteVP` for nets trained with MONAI's ``DDPMScheduler``
(``timestep_scale = 1``), or a continuous :class:`~denoisekit.schedules.VP` with
``timestep_scale = N - 1`` for nets trained on ``t * (N - 1)``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from denoisekit.denoisers.base import Denoiser
from denoisekit.denoisers.tweedie import eps_to_x0, v_to_x0
from denoisekit.schedules.base import NoiseSchedule, per_sample

Tensor = torch.Tensor
PREDICTIONS = ("eps", "v", "x0")


class UNetDenoiser(Denoiser):
    """``net(x_t, timesteps)`` predicting ``prediction`` ("eps", "v" or "x0") as a Denoiser.

    Noise levels outside the schedule's range are clamped by its ``sigma_to_t`` where it clamps
    (``DiscreteVP``); the conversion then uses the noise level the net was given.
    """

    def __init__(self, net: nn.Module, schedule: NoiseSchedule, prediction: str = "eps", timestep_scale: float = 1.0):
        super().__init__()
        if prediction not in PREDICTIONS:
            raise ValueError(f"prediction must be one of {PREDICTIONS}, got {prediction!r}")
        self.net, self.schedule = net, schedule
        self.prediction, self.timestep_scale = prediction, timestep_scale

    @classmethod
    def from_monai(cls, schedule: NoiseSchedule, prediction: str = "eps", timestep_scale: float = 1.0,
                   **unet_kwargs: Any) -> UNetDenoiser:
        """Build a fresh ``monai.networks.nets.DiffusionModelUNet(**unet_kwargs)`` and wrap it."""
        from monai.networks.nets import DiffusionModelUNet

        return cls(DiffusionModelUNet(**unet_kwargs), schedule, prediction, timestep_scale)

    def forward(self, x: Tensor, sigma: float | Tensor) -> Tensor:
        sigma = torch.as_tensor(sigma, dtype=torch.float64, device=x.device).expand(x.shape[0])
        t = self.schedule.sigma_to_t(sigma)
        alpha = self.schedule.scale(t)
        sigma_t = alpha * self.schedule.sigma(t)
        x_t = per_sample(alpha, x) * x
        out = self.net(x_t, (t * self.timestep_scale).to(x.dtype))
        if self.prediction == "eps":
            return eps_to_x0(x_t, out, alpha, sigma_t)
        if self.prediction == "v":
            return v_to_x0(x_t, out, alpha, sigma_t)
        return out
