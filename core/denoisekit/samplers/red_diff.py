"""RED-diff (Mardani, Song, Kautz, Vahdat, "A Variational Perspective on Solving Inverse Problems with Diffusion
Models", ICLR 2024): variational posterior ``q(x0 | y) = N(mu, sigma^2 I)`` with ``sigma -> 0``, ``mu`` fitted by Adam.

Iteration ``i`` uses ``t = ts[i + 1]`` (time descends from the first grid point below ``t_max`` down to ``t_min``, the
paper's descending schedule), draws ``eps``, forms ``x_t = alpha_t mu + sigma_t eps`` and takes one Adam step on the
loss of the paper's Alg. 1 (the score-matching regulariser with the stop-gradient ``sg``)

    ||y - A mu||^2 / (2 sigma_y^2) + lam * w_t * <sg(eps_hat(x_t, t) - eps), mu>,

whose gradient ``A^T nll_grad(y, A mu) + lam w_t (eps_hat - eps)`` is taken in closed form: the denoiser is only
evaluated, never differentiated. ``eps_hat`` comes from the denoiser by Tweedie's conversion, so any schedule without
shift works; in the EDM form ``sigma_t / alpha_t`` is ``sigma(t)``. Weights ``w_t``: ``"linear_inv_snr"``
``sigma(t) = sqrt(1 - abar) / sqrt(abar)`` (the paper's choice) or ``"constant"`` 1 (every noise level alike).
``noise=None`` is the data term ``||y - A mu||^2 / 2``. The state (and the result) is ``mu``: no final denoising.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import torch

from denoisekit.denoisers.base import ScoreModel
from denoisekit.denoisers.tweedie import x0_to_eps
from denoisekit.noise.base import NoiseModel
from denoisekit.operators.base import ForwardOperator
from denoisekit.samplers.base import StepFn, coefficients, predict, randn_like
from denoisekit.samplers.conditional import ConditionalSampler
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor

WEIGHTS = {"linear_inv_snr": lambda sigma: sigma, "constant": lambda sigma: 1.0}


class REDDiff(ConditionalSampler):
    """RED-diff: Adam (``lr``, ``betas``) on ``mu`` from ``A^+ y`` (or the given tensor), regulariser weight ``lam``."""

    def __init__(self, lr: float = 0.5, lam: float = 0.25, noise: NoiseModel | None = None,
                 weighting: str = "linear_inv_snr", betas: tuple[float, float] = (0.9, 0.99)):
        super().__init__(denoise_final=False)
        if weighting not in WEIGHTS:
            raise ValueError(f"weighting must be one of {sorted(WEIGHTS)}, got {weighting!r}")
        self.lr, self.lam, self.noise, self.weighting, self.betas = lr, lam, noise, weighting, betas

    def initial(self, schedule: NoiseSchedule, x_T_or_shape: Tensor | Sequence[int], ts: list[float], *,
                y: Tensor, op: ForwardOperator, generator: torch.Generator | None) -> Tensor:
        """``mu`` starts at the given tensor, or at ``A^+ y`` broadcast to the shape."""
        if isinstance(x_T_or_shape, Tensor):
            return x_T_or_shape
        return self.estimate(y, op).expand(tuple(x_T_or_shape)).clone()

    def stepper(self, y: Tensor, op: ForwardOperator) -> StepFn:
        return partial(self.step, y=y, op=op, adam={})

    def step(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, ts: list[float], i: int, *,
             y: Tensor, op: ForwardOperator, adam: dict[str, Any], generator: torch.Generator | None
             ) -> tuple[Tensor, Tensor]:
        t = ts[i + 1]
        scale, sigma, _ = coefficients(schedule, t, None)
        eps = randn_like(x, generator)
        x_t = scale * (x + sigma * eps)
        x0_hat = predict(model, schedule, x_t, t, None)[0]
        eps_hat = x0_to_eps(x_t, x0_hat, scale, scale * sigma)
        ax = op.A(x)
        residual = ax - y if self.noise is None else self.noise.nll_grad(y.expand_as(ax), ax)
        grad = op.A_adjoint(residual) + self.lam * WEIGHTS[self.weighting](sigma) * (eps_hat - eps)
        if not adam:  # one torch Adam (Kingma & Ba 2015) over mu for the whole run, fed the closed-form gradient
            adam["mu"] = mu = x.detach().clone()
            adam["optimizer"] = torch.optim.Adam([mu], lr=self.lr, betas=self.betas)
        mu = adam["mu"]
        mu.grad = grad.detach()
        adam["optimizer"].step()
        return mu.detach().clone(), x0_hat
