"""Spatially correlated (coloured) Gaussian noise: white noise filtered by a kernel k, by the FFT.

y = x + sigma (k (*) w) / ||k||_2, w ~ N(0, I), circular boundary. Each element has standard deviation
sigma; the covariance is the circulant C = sigma^2 / ||k||^2 F^-1 diag(|H|^2) F, H the FFT of k.
Tweedie's formula with a covariance (Efron, JASA 2011, Sec. 2): E[x | y] = y + C d/dy log p(y), exact for
any prior. The likelihood uses the pseudo-inverse C^+ where |H| has zeros (noise confined to a subspace).
"""

from __future__ import annotations

import torch

from denoisekit.noise.base import NoiseModel, per_batch, standard_normal
from denoisekit.operators.blur import Blur, transfer_function


class Correlated(NoiseModel):
    """y = x + sigma * (kernel (*) w) / ||kernel||; the real 2-D or 3-D kernel acts on the last axes of x.
    Complex x gets independent real and imaginary parts, each with covariance C."""

    def __init__(self, sigma: float, kernel: torch.Tensor):
        super().__init__()
        if sigma <= 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        if kernel.is_complex():
            raise ValueError("Correlated takes a real kernel")
        self.sigma = float(sigma)
        self.blur = Blur(kernel / kernel.norm())

    def _dims(self) -> tuple[int, ...]:
        return tuple(range(-self.blur.kernel.ndim, 0))

    def _spectrum(self, v: torch.Tensor) -> torch.Tensor:
        """The eigenvalues sigma^2 |H|^2 of C, in the (r)fftn layout of ``v``."""
        kernel = self.blur.kernel.to(device=v.device, dtype=v.real.dtype)
        h = transfer_function(kernel, v.shape[-kernel.ndim:], real=not v.is_complex())
        return self.sigma**2 * h.abs() ** 2

    def _apply(self, v: torch.Tensor, eigenvalues: torch.Tensor) -> torch.Tensor:
        dims = self._dims()
        if v.is_complex():
            return torch.fft.ifftn(eigenvalues * torch.fft.fftn(v, dim=dims), dim=dims)
        return torch.fft.irfftn(eigenvalues * torch.fft.rfftn(v, dim=dims), s=v.shape[-len(dims):], dim=dims)

    def covariance(self, v: torch.Tensor) -> torch.Tensor:
        """C v."""
        return self._apply(v, self._spectrum(v))

    def precision(self, v: torch.Tensor) -> torch.Tensor:
        """C^+ v; eigenvalues below eps * N * max are treated as zero (torch.linalg.pinv's default cut-off)."""
        lam = self._spectrum(v)
        keep = lam > torch.finfo(lam.dtype).eps * v.shape[-self.blur.kernel.ndim:].numel() * lam.max()
        return self._apply(v, torch.where(keep, 1 / torch.where(keep, lam, 1), 0))

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return x + self.sigma * self.blur.A(standard_normal(x, generator))

    def tweedie(self, y: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
        """E[x | y] = y + C score."""
        return y + self.covariance(score)

    def nll(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """Re <r, C^+ r> / 2 with r = y - Ax."""
        r = y - Ax
        return per_batch((torch.conj(r) * self.precision(r)).real) / 2

    def nll_grad(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        """C^+ (Ax - y)."""
        return self.precision(Ax - y)
