"""Diffusion posterior sampling (Chung, Kim, Mccann, Klasky, Ye, "Diffusion Posterior Sampling for General Noisy
Inverse Problems", ICLR 2023, Alg. 1).

Each step is an ancestral (DDPM) step, or a DDIM step with ``eta < 1``, from ``x_t`` with ``x0_hat = E[x0 | x_t]``,
followed by the likelihood step through the denoiser (autograd, a vector-Jacobian product per step):

    x_u = x_u' - zeta * grad_{x_t} L(x0_hat(x_t)).

``noise=None``: ``L = ||y - A x0_hat||_2`` per sample, the unsquared norm, as in the authors' code. Alg. 1 writes
``zeta_i grad ||y - A x0_hat||^2``, and the experiments set ``zeta_i = zeta' / ||y - A x0_hat||``: the same step
with ``zeta = 2 zeta'``; ``zeta`` is then dimensionless and independent of the noise level (the default 0.3 is the
value of the authors' super-resolution and deblurring configurations).
With a noise model, ``L = noise.nll(y, A x0_hat)`` (``||y - A x0_hat||^2 / (2 sigma_y^2)`` for Gaussian noise):
the unnormalised step of Alg. 1 with ``zeta_i = zeta``, for any noise model with a likelihood.
"""

from __future__ import annotations

import torch

from denoisekit.denoisers.base import ScoreModel
from denoisekit.noise.base import NoiseModel
from denoisekit.operators.base import ForwardOperator
from denoisekit.samplers.conditional import ConditionalSampler
from denoisekit.samplers.ddim import DDIM
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


class DPS(ConditionalSampler):
    """DPS with step size ``zeta``; ``eta = 1`` is Alg. 1's ancestral step, ``eta = 0`` deterministic DDIM."""

    needs_grad = True

    def __init__(self, zeta: float = 0.3, noise: NoiseModel | None = None, eta: float = 1.0,
                 denoise_final: bool = True):
        super().__init__(denoise_final)
        self.zeta, self.noise = zeta, noise
        self.base = DDIM(eta)

    def step(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, ts: list[float], i: int, *,
             y: Tensor, op: ForwardOperator, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        x = x.detach().requires_grad_(True)
        x_u, x0_hat = self.base.step(model, schedule, x, ts, i, y=None, generator=generator)
        ax = op.A(x0_hat)
        if self.noise is None:
            loss = torch.linalg.vector_norm((y - ax).reshape(ax.shape[0], -1), dim=1).sum()
        else:
            loss = self.noise.nll(y.expand_as(ax), ax).sum()
        (grad,) = torch.autograd.grad(loss, x)
        return (x_u - self.zeta * grad).detach(), x0_hat.detach()
