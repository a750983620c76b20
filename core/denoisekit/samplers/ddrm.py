"""DDRM (Kawar, Elad, Ermon, Song, "Denoising Diffusion Restoration Models", NeurIPS 2022, eq. 7-8).

For a :class:`Decomposable` operator ``A = U diag(s) V^H`` and Gaussian noise ``sigma_y``, each step works on the
spectral coefficients of the unscaled variable, ``xbar_t = V^H x~_t`` and ``xbar_0 = V^H x0_hat``, with
``s ybar = U^H y`` (so ``ybar`` carries noise ``sigma_y / s``). From ``sigma_t`` to ``sigma_u``, component-wise, with
``z`` white noise seen through ``V^H``:

- ``s = 0``:                  ``xbar_u = xbar_0 + sqrt(1 - eta^2) sigma_u (xbar_t - xbar_0) / sigma_t + eta sigma_u z``
- ``sigma_u < sigma_y / s``:  ``xbar_u = xbar_0 + sqrt(1 - eta^2) sigma_u s (ybar - xbar_0) / sigma_y + eta sigma_u z``
- ``sigma_u >= sigma_y / s``: ``xbar_u = (1 - eta_b) xbar_0 + eta_b ybar + sqrt(sigma_u^2 - eta_b^2 sigma_y^2 / s^2) z``

and a start drawn from eq. 8's ``p(xbar_T | y)``: ``ybar + sqrt(sigma_T^2 - sigma_y^2 / s^2) z`` where
``sigma_T s >= sigma_y``, else ``sigma_T z``. Singular values below ``eps * numel * max(s)`` count as zero (the
cut-off of ``torch.linalg.pinv``). ``U^H y`` must have the layout of ``V^H x`` (true for Identity, Mask, Blur).
The identity operator makes DDRM a denoiser. Defaults ``eta = 0.85``, ``eta_b = 1`` are the paper's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from denoisekit.denoisers.base import ScoreModel
from denoisekit.noise.base import NoiseModel
from denoisekit.operators.base import Decomposable
from denoisekit.samplers.base import coefficients, predict
from denoisekit.samplers.conditional import ConditionalSampler, gaussian_sigma
from denoisekit.schedules.base import NoiseSchedule

Tensor = torch.Tensor


class DDRM(ConditionalSampler):
    """DDRM with ``eta`` (unmeasured and noisy components) and ``eta_b`` (measured components above the noise);
    ``noise=Gaussian(sigma_y)``, or ``None`` for noiseless measurements."""

    def __init__(self, eta: float = 0.85, eta_b: float = 1.0, noise: NoiseModel | None = None,
                 denoise_final: bool = True):
        super().__init__(denoise_final)
        self.eta, self.eta_b = eta, eta_b
        self.sigma_y = gaussian_sigma(noise, "DDRM")

    def _sample_real_view(self, *args: object, **kwargs: object) -> Tensor:
        raise TypeError("DDRM does not sample complex data (it would need the operator's SVD on the real view)")

    def initial(self, schedule: NoiseSchedule, x_T_or_shape: Tensor | Sequence[int], ts: list[float], *,
                y: Tensor, op: Decomposable, generator: torch.Generator | None) -> Tensor:
        if isinstance(x_T_or_shape, Tensor):
            return x_T_or_shape
        scale, sigma_T, _ = coefficients(schedule, ts[0], None)
        z = torch.randn(tuple(x_T_or_shape), generator=generator, device=y.device, dtype=y.real.dtype)
        s, ybar = self._spectrum(op, z, y)
        measured = (s > 0) & (s * sigma_T >= self.sigma_y)
        std = torch.where(measured, sigma_T**2 - (self.sigma_y / _safe(s)) ** 2, sigma_T**2).sqrt()
        return scale * self._to_signal(op, ybar * measured + std * op.V_adjoint(z), z)

    def step(self, model: ScoreModel, schedule: NoiseSchedule, x: Tensor, ts: list[float], i: int, *,
             y: Tensor, op: Decomposable, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        t, u = ts[i], ts[i + 1]
        x0_hat = predict(model, schedule, x, t, None)[0]
        scale_t, sigma_t, _ = coefficients(schedule, t, None)
        scale_u, sigma_u, _ = coefficients(schedule, u, None)
        s, ybar = self._spectrum(op, x, y)
        xbar_t, xbar_0 = op.V_adjoint(x / scale_t), op.V_adjoint(x0_hat)
        z = op.V_adjoint(torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype))
        keep = math.sqrt(1 - self.eta**2) * sigma_u
        unmeasured = xbar_0 + keep * (xbar_t - xbar_0) / sigma_t + self.eta * sigma_u * z
        eps_y = s * (ybar - xbar_0) / self.sigma_y if self.sigma_y > 0 else torch.zeros_like(xbar_0)
        noisy = xbar_0 + keep * eps_y + self.eta * sigma_u * z
        std = (sigma_u**2 - (self.eta_b * self.sigma_y / _safe(s)) ** 2).clamp(min=0).sqrt()
        clean = (1 - self.eta_b) * xbar_0 + self.eta_b * ybar + std * z
        xbar_u = torch.where(s > 0, torch.where(s * sigma_u < self.sigma_y, noisy, clean), unmeasured)
        return scale_u * self._to_signal(op, xbar_u, x), x0_hat

    @staticmethod
    def _spectrum(op: Decomposable, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """The singular values in the layout of ``V^H x`` (zero below the cut-off) and ``ybar = U^H y / s``
        (zero where ``s`` is)."""
        s = op.singular_values(x.shape, dtype=x.real.dtype, device=x.device)
        s = torch.where(s > torch.finfo(s.dtype).eps * s[0].numel() * s.max(), s, 0)
        uy = op.U_adjoint(y)
        if uy.shape[1:] != s.shape[1:]:
            raise ValueError(f"DDRM needs U^H y in the layout of V^H x: got {tuple(uy.shape)} for {tuple(s.shape)}")
        return s, torch.where(s > 0, uy / _safe(s), 0)

    @staticmethod
    def _to_signal(op: Decomposable, xbar: Tensor, like: Tensor) -> Tensor:
        """``V xbar``, real when ``like`` is (the spectral path of a real signal, e.g. the FFT, is complex)."""
        x = op.V(xbar)
        return x.real if x.is_complex() and not like.is_complex() else x


def _safe(s: Tensor) -> Tensor:
    """``s`` with its zeros replaced by ones, to divide by."""
    return torch.where(s > 0, s, 1)
