"""Conditional sampling for a measurement ``y = A x + n``: the ``sample`` shared by DPS, RED-diff, DDRM, data
consistency, CCDF and the joint sampler.

The call is the unconditional one, but ``y`` is the measurement and ``op`` (a :class:`ForwardOperator`) the
forward operator, both required. The model is an unconditional prior and never sees ``y``. Schedules whose mean
is shifted by a conditioning signal (OUVE) are refused: here ``y`` is a measurement, not a signal to drift to.
The noise level comes from a ``noise`` :class:`NoiseModel` given to the sampler's constructor, e.g.
``DPS(zeta=0.3, noise=Gaussian(0.05))``; ``noise=None`` means each paper's unweighted (or noiseless) data term.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import torch

from denoisekit.denoisers.base import Denoiser, ScoreModel
from denoisekit.noise.base import NoiseModel
from denoisekit.noise.gaussian import Gaussian
from denoisekit.samplers.base import Callback, Sampler, StepFn, as_score_model, grid, predict
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


class ConditionalSampler(Sampler):
    """Base class of the samplers for ``y = A x + n``; subclasses implement
    ``step(model, schedule, x, ts, i, *, y, op, generator)`` and may override the hooks
    :meth:`prepare`, :meth:`timesteps`, :meth:`initial`, :meth:`estimate`, :meth:`stepper` and :meth:`final`."""

    requires_op = True

    def sample(
        self,
        model: Denoiser | ScoreModel,
        schedule: NoiseSchedule,
        x_T_or_shape: Tensor | Sequence[int],
        *,
        y: Tensor | None = None,
        op: object | None = None,
        steps: int,
        generator: torch.Generator | None = None,
        callback: Callback | None = None,
        progress: bool = False,
    ) -> Tensor:
        """Sample given the measurement ``y`` and the operator ``op``; a shape starts from a draw at the first
        time on the device and dtype of ``y``. Raises ``FloatingPointError`` on NaN/Inf, with the step."""
        name = type(self).__name__
        if y is None:
            raise TypeError(f"{name} is a conditional sampler: it needs the measurement y")
        if self.requires_op and op is None:
            raise TypeError(f"{name} is a conditional sampler: it needs the forward operator op")
        check_unshifted(schedule, name)
        complex_x = isinstance(x_T_or_shape, Tensor) and x_T_or_shape.is_complex()
        if complex_x or y.is_complex():
            return self._sample_real_view(model, schedule, x_T_or_shape, y=y, op=op, steps=steps, generator=generator,
                                          callback=callback, progress=progress, complex_x=complex_x)
        model = self.prepare(as_score_model(model, schedule), schedule, y, op)
        ts = self.timesteps(schedule, steps)
        x = self.initial(schedule, x_T_or_shape, ts, y=y, op=op, generator=generator)
        final = partial(self.final, model, schedule, t=ts[-1], y=y, op=op) if self.denoise_final else None
        return self._loop(model, schedule, x, ts, self.stepper(y, op), final, generator=generator,
                          callback=callback, progress=progress)

    def _sample_real_view(self, model: Denoiser | ScoreModel, schedule: NoiseSchedule,
                          x_T_or_shape: Tensor | Sequence[int], *, y: Tensor, op: object | None, steps: int,
                          generator: torch.Generator | None, callback: Callback | None, progress: bool,
                          complex_x: bool) -> Tensor:
        """Complex ``x`` (a complex ``x_T``) or complex ``y``: sample on the real views (:mod:`.complex_view`)."""
        from denoisekit.samplers import complex_view as cv

        if complex_x:
            model = cv.real_view_model(model)
        if op is not None:
            op = cv.RealViewOperator(op, complex_x=complex_x, complex_y=y.is_complex())
        x = self.sample(model, schedule, cv.real_view_start(x_T_or_shape, complex_x), y=cv.to_real(y), op=op,
                        steps=steps, generator=generator, callback=cv.wrap_callback(callback, complex_x),
                        progress=progress)
        return cv.to_complex(x) if complex_x else x

    def prepare(self, model: ScoreModel, schedule: NoiseSchedule, y: Tensor, op: object | None) -> ScoreModel:
        """The model the steps evaluate (the joint sampler stacks its two priors here)."""
        return model

    def timesteps(self, schedule: NoiseSchedule, steps: int) -> list[float]:
        """The sampling grid, ``steps + 1`` decreasing times."""
        return grid(schedule, steps)

    def initial(self, schedule: NoiseSchedule, x_T_or_shape: Tensor | Sequence[int], ts: list[float], *,
                y: Tensor, op: object | None, generator: torch.Generator | None) -> Tensor:
        """The start: the given tensor, or a draw from the marginal at ``ts[0]`` with ``x0 = 0``."""
        if isinstance(x_T_or_shape, Tensor):
            return x_T_or_shape
        noise = torch.randn(tuple(x_T_or_shape), generator=generator, device=y.device, dtype=y.real.dtype)
        return float(schedule.scale(ts[0]) * schedule.sigma(ts[0])) * noise

    def estimate(self, y: Tensor, op: object | None) -> Tensor:
        """A first estimate of ``x`` from the measurement alone: ``A^+ y`` (used by RED-diff and CCDF)."""
        return op.A_dagger(y)

    def stepper(self, y: Tensor, op: object | None) -> StepFn:
        """:meth:`step` with the measurement bound, as the loop calls it."""
        return partial(self.step, y=y, op=op)

    def final(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, *, t: float, y: Tensor,
              op: object | None) -> Tensor:
        """The result from the last state (with ``denoise_final``): the Tweedie estimate ``E[x0 | x_t]``."""
        return predict(model, schedule, x, t, None)[0]


def bind(sampler: Sampler, y: Tensor, op: object | None) -> StepFn:
    """Any sampler's step for the loop: a conditional one gets ``y`` and ``op``, an unconditional one ``y=None``."""
    if isinstance(sampler, ConditionalSampler):
        return sampler.stepper(y, op)
    return partial(sampler.step, y=None)


def check_unshifted(schedule: NoiseSchedule, name: str) -> None:
    """Refuse schedules with a shift: their ``y`` is a conditioning signal, not a measurement."""
    if type(schedule).shift is not NoiseSchedule.shift:
        raise ValueError(f"{name} takes y as the measurement, but {type(schedule).__name__} shifts its mean towards y; "
                         "use a schedule without shift (VP, VE, EDM, VESigmaT, DiscreteVP)")


def gaussian_sigma(noise: NoiseModel | None, name: str) -> float:
    """``sigma_y`` of a :class:`Gaussian` noise model; 0 for ``None`` (noiseless)."""
    if noise is None:
        return 0.0
    if not isinstance(noise, Gaussian):
        raise TypeError(f"{name} needs Gaussian noise (noise=Gaussian(sigma_y)), got {type(noise).__name__}")
    return noise.sigma
