"""The sampler interface: one ``sample`` signature for every diffusion sampler.

A sampler integrates a reverse process on the schedule's grid ``t_0 = t_max > ... > t_steps = t_min``
(:meth:`NoiseSchedule.timesteps`), one :meth:`Sampler.step` per interval, and by default returns the
Tweedie estimate ``E[x0 | x_{t_min}]`` at the end (Karras et al. 2022, Alg. 1's last step to
``sigma = 0``). The model is a :class:`Denoiser` (wrapped in :class:`DenoiserScore`) or a
:class:`ScoreModel`; each evaluation gives both ``x0_hat`` and the score through Tweedie's formula.
Complex data (a complex ``x_T`` or ``y``) is sampled on its real view: see :mod:`.complex_view`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import partial

import torch

from denoisekit.denoisers.base import Denoiser, ScoreModel
from denoisekit.denoisers.tweedie import DenoiserScore, x0_from_score
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor
Callback = Callable[[int, Tensor, Tensor], None]
StepFn = Callable[..., tuple[Tensor, Tensor]]  # step(model, schedule, x, ts, i, *, generator) -> (x_next, x0_hat)


class Sampler:
    """Base class; subclasses implement :meth:`step`.

    ``denoise_final``: return ``E[x0 | x_{t_min}]`` (one more model evaluation) instead of ``x_{t_min}``.
    """

    needs_grad = False  # conditional samplers that differentiate through the model set this

    def __init__(self, denoise_final: bool = True):
        self.denoise_final = denoise_final

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
        """Run the reverse process from ``x_T`` (a tensor) or from a prior draw of that shape.

        ``y`` conditions the schedule (OUVE) and the score model; ``op`` (a forward operator) is for
        conditional samplers only. All randomness comes from ``generator``. ``callback(i, x, x0_hat)``
        is called after step ``i`` (0-based). Raises ``FloatingPointError`` on NaN/Inf.
        """
        if op is not None:
            raise TypeError(f"{type(self).__name__} is an unconditional sampler: it takes no forward operator (op)")
        if (isinstance(x_T_or_shape, Tensor) and x_T_or_shape.is_complex()) or (y is not None and y.is_complex()):
            from denoisekit.samplers import complex_view as cv

            x = self.sample(cv.real_view_model(model), schedule, cv.real_view_start(x_T_or_shape, True),
                            y=cv.to_real(y), steps=steps, generator=generator,
                            callback=cv.wrap_callback(callback, True), progress=progress)
            return cv.to_complex(x)
        model = as_score_model(model, schedule)
        if isinstance(x_T_or_shape, Tensor):
            x = x_T_or_shape
        else:
            device, dtype = _placement(model, y, generator)
            x = schedule.prior_sample(tuple(x_T_or_shape), y, generator, device, dtype)
        ts = grid(schedule, steps)
        final = partial(_tweedie, model, schedule, t=ts[-1], y=y) if self.denoise_final else None
        return self._loop(model, schedule, x, ts, partial(self.step, y=y), final, generator=generator,
                          callback=callback, progress=progress)

    def _loop(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, ts: list[float], step: StepFn,
              final: Callable[[Tensor], Tensor] | None, *, generator: torch.Generator | None,
              callback: Callback | None, progress: bool) -> Tensor:
        """The loop every sampler shares: ``x, x0_hat = step(model, schedule, x, ts, i, generator=...)`` for each
        interval of ``ts``, the NaN/Inf check, the callback and the progress bar; then ``final(x)`` if given
        (the Tweedie estimate at ``t_min``)."""
        name = type(self).__name__
        steps = len(ts) - 1
        indices = range(steps)
        if progress:
            from denoisekit.progress import track

            indices = track(indices, f"{name}: sampling", total=steps)
        with torch.set_grad_enabled(self.needs_grad):
            for i in indices:
                x, x0_hat = step(model, schedule, x, ts, i, generator=generator)
                if not torch.isfinite(x).all():
                    raise FloatingPointError(f"{name} produced NaN/Inf at step {i} of {steps}")
                if callback is not None:
                    callback(i, x, x0_hat)
        if final is not None:
            with torch.no_grad():
                x = final(x)
            if not torch.isfinite(x).all():
                raise FloatingPointError(f"{name} produced NaN/Inf in the final denoising after {steps} steps")
        return x

    def step(
        self,
        model: ScoreModel,
        schedule: NoiseSchedule,
        x: Tensor,
        ts: list[float],
        i: int,
        *,
        y: Tensor | None,
        generator: torch.Generator | None,
    ) -> tuple[Tensor, Tensor]:
        """Move ``x`` from ``ts[i]`` to ``ts[i + 1]``; return the new ``x`` and the ``x0_hat`` used."""
        raise NotImplementedError


def grid(schedule: NoiseSchedule, steps: int) -> list[float]:
    """The schedule's ``steps + 1`` sampling times, ``t_max`` first."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    return schedule.timesteps(steps).tolist()


def as_score_model(model: Denoiser | ScoreModel, schedule: NoiseSchedule) -> ScoreModel:
    """A :class:`Denoiser` becomes ``DenoiserScore(model, schedule)``; a score model is kept."""
    if isinstance(model, DenoiserScore):
        model = model.denoiser
    if isinstance(model, Denoiser):
        return DenoiserScore(model, schedule)
    if isinstance(model, ScoreModel):
        return model
    raise TypeError(f"model must be a Denoiser or have score(x, t, y), got {type(model).__name__}")


def predict(model: ScoreModel, schedule: NoiseSchedule, x: Tensor, t: float, y: Tensor | None) -> tuple[Tensor, Tensor]:
    """``(x0_hat, score)`` at ``(x, t)`` from one model evaluation."""
    if isinstance(model, DenoiserScore):
        return model.predict(x, t, y)
    score = model.score(x, t, y)
    return x0_from_score(x - schedule.shift(t, y), score, schedule.scale(t), schedule.sigma(t)), score


def _tweedie(model: ScoreModel, schedule: NoiseSchedule, x: Tensor, *, t: float, y: Tensor | None) -> Tensor:
    return predict(model, schedule, x, t, y)[0]


def coefficients(schedule: NoiseSchedule, t: float, y: Tensor | None) -> tuple[float, float, float | Tensor]:
    """``scale(t)``, ``sigma(t)`` (floats) and ``shift(t, y)``."""
    return float(schedule.scale(t)), float(schedule.sigma(t)), schedule.shift(t, y)


def denoise(model: ScoreModel, schedule: NoiseSchedule, x_tilde: Tensor, t: float, y: Tensor | None) -> Tensor:
    """``x0_hat`` from the unscaled variable ``x_tilde = (x - shift) / scale`` at time ``t``."""
    scale, _, shift = coefficients(schedule, t, y)
    return predict(model, schedule, scale * x_tilde + shift, t, y)[0]


def randn_like(x: Tensor, generator: torch.Generator | None) -> Tensor:
    return torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)


def _placement(model: object, y: Tensor | None, generator: torch.Generator | None) -> tuple[torch.device, torch.dtype]:
    """Device and dtype for a prior draw: those of ``y``, else of the model's first tensor, else the
    generator's device and the default dtype."""
    if y is not None:
        return y.device, y.dtype
    if isinstance(model, torch.nn.Module):
        first = next(itertools.chain(model.parameters(), model.buffers()), None)
        if first is not None:
            return first.device, first.dtype
    return (generator.device if generator is not None else torch.device("cpu")), torch.get_default_dtype()
