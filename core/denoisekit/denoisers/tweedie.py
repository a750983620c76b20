"""Conversions between the x0-, eps-, v- and score-parameterisations, all in one place.

With ``x = alpha * x0 + sigma_t * eps`` (``alpha = scale``, ``sigma_t = scale * sigma`` in the EDM form
``x = scale (x0 + sigma eps)``):

- eps-prediction (Ho et al., NeurIPS 2020, eq. 11): ``x0 = (x - sigma_t eps) / alpha``;
- v-prediction (Salimans & Ho, ICLR 2022, Sec. 4): ``v = alpha eps - sigma_t x0``, so
  ``x0 = (alpha x - sigma_t v) / (alpha^2 + sigma_t^2)`` (``= alpha x - sigma_t v`` for VP, where the
  denominator is 1);
- score, by Tweedie's formula (Efron, JASA 2011; Karras et al. 2022, eq. 3 scaled as in eq. 4):
  ``grad log p(x) = (scale x0_hat - x) / (scale sigma)^2`` with ``x0_hat = E[x0 | x]``.

Coefficients are floats, 0-d tensors or (B,) tensors (one per sample).
"""

from __future__ import annotations

import torch

from denoisekit.denoisers.base import Denoiser
from denoisekit.schedules.base import NoiseSchedule, Time, per_sample

Tensor = torch.Tensor
Coef = float | Tensor


def eps_to_x0(x: Tensor, eps: Tensor, alpha: Coef, sigma_t: Coef) -> Tensor:
    """x0 from the noise ``eps`` of ``x = alpha x0 + sigma_t eps``."""
    return (x - per_sample(sigma_t, x) * eps) / per_sample(alpha, x)


def x0_to_eps(x: Tensor, x0: Tensor, alpha: Coef, sigma_t: Coef) -> Tensor:
    """The noise ``eps`` of ``x = alpha x0 + sigma_t eps`` from x0."""
    return (x - per_sample(alpha, x) * x0) / per_sample(sigma_t, x)


def v_to_x0(x: Tensor, v: Tensor, alpha: Coef, sigma_t: Coef) -> Tensor:
    """x0 from the velocity ``v = alpha eps - sigma_t x0``."""
    a, s = per_sample(alpha, x), per_sample(sigma_t, x)
    return (a * x - s * v) / (a**2 + s**2)


def x0_to_v(x: Tensor, x0: Tensor, alpha: Coef, sigma_t: Coef) -> Tensor:
    """The velocity ``v = alpha eps - sigma_t x0`` from x0."""
    return per_sample(alpha, x) * x0_to_eps(x, x0, alpha, sigma_t) - per_sample(sigma_t, x) * x0


def score_from_x0(x: Tensor, x0_hat: Tensor, scale: Coef, sigma: Coef) -> Tensor:
    """Tweedie: the score of ``x = scale (x0 + sigma eps)`` from the posterior mean ``x0_hat``."""
    s = per_sample(scale, x)
    return (s * x0_hat - x) / (s * per_sample(sigma, x)) ** 2


def x0_from_score(x: Tensor, score: Tensor, scale: Coef, sigma: Coef) -> Tensor:
    """Tweedie, inverted: the posterior mean ``E[x0 | x]`` from the score."""
    s = per_sample(scale, x)
    return (x + (s * per_sample(sigma, x)) ** 2 * score) / s


class DenoiserScore(torch.nn.Module):
    """A :class:`Denoiser` seen as a score model of a schedule: ``x = scale (x0 + sigma eps) + shift``
    is unshifted and unscaled, denoised, and the score follows from :func:`score_from_x0`."""

    def __init__(self, denoiser: Denoiser, schedule: NoiseSchedule):
        super().__init__()
        self.denoiser, self.schedule = denoiser, schedule

    def predict(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """``(x0_hat, score)`` at ``(x, t)`` from one denoiser evaluation."""
        scale, sigma = self.schedule.scale(t), self.schedule.sigma(t)
        x = x - self.schedule.shift(t, y)
        x0_hat = self.denoiser(x / per_sample(scale, x), sigma if sigma.ndim else float(sigma))
        return x0_hat, score_from_x0(x, x0_hat, scale, sigma)

    def score(self, x: Tensor, t: Time, y: Tensor | None = None) -> Tensor:
        return self.predict(x, t, y)[1]
