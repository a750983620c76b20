"""Come-Closer-Diffuse-Faster (Chung, Sim, Ye, "Come-Closer-Diffuse-Faster: Accelerating Conditional Diffusion
Models for Inverse Problems through Stochastic Contraction", CVPR 2022).

Instead of starting from pure noise at ``t_max``, the reverse process starts from a forward-diffused initial
estimate ``x0_init`` at an intermediate time ``t0`` (their forward diffusion ``x_{t0} = a_{t0} x0_init + b_{t0} z``):

    x_{t0} = scale(t0) (x0_init + sigma(t0) z),

and runs the base sampler (with data consistency, as in the paper, when the base is a conditional sampler) for the
remaining ``steps``. The grid is the last ``steps + 1`` points of the schedule's grid with ``round(steps / t_start)``
intervals, so ``t_start`` is the fraction of the full reverse process that is run (the paper's ``t0 / T``).
``x0_init`` is the given tensor (e.g. a noisy image or a fast reconstruction), or the base's estimate from ``y``
alone (``A^+ y``) when a shape is given.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from denoisekit.denoisers.base import ScoreModel
from denoisekit.samplers.base import Sampler, StepFn, coefficients, grid
from denoisekit.samplers.conditional import ConditionalSampler, bind
from denoisekit.samplers.ddim import DDIM
from denoisekit.samplers.red_diff import REDDiff
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


class CCDF(ConditionalSampler):
    """Run ``base`` (DDIM by default) over the last fraction ``t_start`` of the reverse process, from a forward-diffused
    estimate. A conditional base brings its data consistency; an unconditional one sees ``y`` only through the start."""

    def __init__(self, base: Sampler | None = None, t_start: float = 0.5):
        if not 0 < t_start <= 1:
            raise ValueError(f"t_start must be in (0, 1], got {t_start}")
        if isinstance(base, REDDiff):
            raise TypeError("CCDF shortens a reverse process; RED-diff is an optimiser (give it the start as x_T)")
        self.base = DDIM() if base is None else base
        super().__init__(self.base.denoise_final)
        self.t_start, self.needs_grad = t_start, self.base.needs_grad
        # the base's model, estimate and final hooks; the defaults for an unconditional base
        self.hooks = self.base if isinstance(self.base, ConditionalSampler) else ConditionalSampler()
        self.requires_op = self.hooks.requires_op

    def prepare(self, model: ScoreModel, schedule: NoiseSchedule, y: Tensor, op: object | None) -> ScoreModel:
        return self.hooks.prepare(model, schedule, y, op)

    def timesteps(self, schedule: NoiseSchedule, steps: int) -> list[float]:
        full = max(steps, round(steps / self.t_start))
        return grid(schedule, full)[full - steps:]

    def estimate(self, y: Tensor, op: object | None) -> Tensor:
        return self.hooks.estimate(y, op)

    def initial(self, schedule: NoiseSchedule, x_T_or_shape: Tensor | Sequence[int], ts: list[float], *,
                y: Tensor, op: object | None, generator: torch.Generator | None) -> Tensor:
        x0_init = x_T_or_shape if isinstance(x_T_or_shape, Tensor) else self.estimate(y, op).expand(tuple(x_T_or_shape))
        scale, sigma, _ = coefficients(schedule, ts[0], None)
        z = torch.randn(x0_init.shape, generator=generator, device=x0_init.device, dtype=x0_init.dtype)
        return scale * (x0_init + sigma * z)

    def stepper(self, y: Tensor, op: object | None) -> StepFn:
        return bind(self.base, y, op)

    def final(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, *, t: float, y: Tensor,
              op: object | None) -> Tensor:
        return self.hooks.final(model, schedule, x, t=t, y=y, op=op)
