"""Complex-valued data in the samplers (MRI images, STFT spectrograms): sampling on the real view.

A complex tensor ``z`` of shape ``S`` is sampled as the real tensor ``torch.view_as_real(z)`` of shape
``(*S, 2)``: the real and imaginary parts are two real coordinates, each with noise of standard
deviation ``sigma`` (so ``E|n|^2 = 2 sigma^2``), the convention of the complex-image diffusion models
that treat real and imaginary parts as two channels (e.g. Chung & Ye, Medical Image Analysis 2022).
A denoiser or score model for complex data is called on complex tensors with that ``sigma``.

A complex-linear operator ``A`` is real-linear on the real view, and its adjoint for the real inner
product ``Re <a, b>`` is ``A^H`` itself, since ``Re <A x, y> = Re <x, A^H y>``; so DPS, RED-diff, data
consistency and CCDF run unchanged on :class:`RealViewOperator`. DDRM needs the operator's SVD in the
real view and refuses complex data.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from denoisekit.denoisers.base import Denoiser, ScoreModel
from denoisekit.denoisers.tweedie import DenoiserScore
from denoisekit.operators.base import ForwardOperator
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


def to_real(z: Tensor | None) -> Tensor | None:
    """``(*S)`` complex -> ``(*S, 2)`` real (a real tensor or None passes through)."""
    return torch.view_as_real(z.resolve_conj()) if z is not None and z.is_complex() else z


def to_complex(x: Tensor) -> Tensor:
    """``(*S, 2)`` real -> ``(*S)`` complex."""
    return torch.view_as_complex(x.contiguous())


class RealViewDenoiser(Denoiser):
    """A denoiser of complex tensors, seen on the real view."""

    def __init__(self, inner: Denoiser):
        super().__init__()
        self.inner = inner
        self.bias_free, self.blind = inner.bias_free, inner.blind

    def forward(self, x: Tensor, sigma: float | Tensor) -> Tensor:
        return to_real(self.inner(to_complex(x), sigma))


class RealViewScore(torch.nn.Module):
    """A score model of complex tensors (and a complex conditioning ``y``), seen on the real view."""

    def __init__(self, inner: ScoreModel):
        super().__init__()
        self.inner = inner

    def score(self, x: Tensor, t: float | Tensor, y: Tensor | None = None) -> Tensor:
        return to_real(self.inner.score(to_complex(x), t, None if y is None else to_complex(y)))


class RealViewOperator(ForwardOperator):
    """A linear operator with complex ``x`` or ``y`` (or both), seen on their real views.

    For real ``x`` and complex ``y`` (a real image, complex k-space) the real adjoint is ``Re(A^H y)``;
    ``A_dagger`` and ``prox_l2`` then fall back to conjugate gradients on the real view.
    """

    def __init__(self, inner: ForwardOperator, *, complex_x: bool, complex_y: bool):
        super().__init__()
        self.inner, self.complex_x, self.complex_y = inner, complex_x, complex_y

    def _x_in(self, x: Tensor) -> Tensor:
        return to_complex(x) if self.complex_x else x

    def _x_out(self, x: Tensor) -> Tensor:
        return to_real(x) if self.complex_x else x.real

    def _y_in(self, y: Tensor) -> Tensor:
        return to_complex(y) if self.complex_y else y

    def A(self, x: Tensor) -> Tensor:
        y = self.inner.A(self._x_in(x))
        return to_real(y) if self.complex_y else y

    def A_adjoint(self, y: Tensor) -> Tensor:
        return self._x_out(self.inner.A_adjoint(self._y_in(y)))

    def A_dagger(self, y: Tensor) -> Tensor:
        if not self.complex_x:
            return super().A_dagger(y)
        return to_real(self.inner.A_dagger(self._y_in(y)))

    def prox_l2(self, z: Tensor, y: Tensor, gamma: float | Tensor) -> Tensor:
        if not self.complex_x:
            return super().prox_l2(z, y, gamma)
        return to_real(self.inner.prox_l2(to_complex(z), self._y_in(y), gamma))


def real_view_model(model: Denoiser | ScoreModel) -> Denoiser | ScoreModel:
    """The model on the real view (a :class:`DenoiserScore`'s denoiser is unwrapped first)."""
    if isinstance(model, DenoiserScore):
        model = model.denoiser
    if isinstance(model, Denoiser):
        return RealViewDenoiser(model)
    if isinstance(model, ScoreModel):
        return RealViewScore(model)
    raise TypeError(f"model must be a Denoiser or have score(x, t, y), got {type(model).__name__}")


def real_view_start(x_T_or_shape: Tensor | Sequence[int], complex_x: bool) -> Tensor | tuple[int, ...]:
    """The start on the real view: a complex tensor's view, or a complex signal's shape with the trailing 2."""
    if isinstance(x_T_or_shape, Tensor):
        return to_real(x_T_or_shape)
    return (*tuple(x_T_or_shape), 2) if complex_x else tuple(x_T_or_shape)


def wrap_callback(callback, complex_x: bool):  # noqa: ANN001, ANN201 (a Callback or None)
    """The user's callback, given complex tensors when the signal is complex."""
    if callback is None or not complex_x:
        return callback
    return lambda i, x, x0_hat: callback(i, to_complex(x), to_complex(x0_hat))


def complex_prior_sample(schedule: NoiseSchedule, shape: Sequence[int], generator: torch.Generator | None = None,
                         device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> Tensor:
    """A complex draw of ``shape`` from the schedule's prior at ``t_max`` (real and imaginary parts each
    the schedule's real prior), the start of a complex unconditional sampling."""
    return to_complex(schedule.prior_sample((*tuple(shape), 2), None, generator, device, dtype))
