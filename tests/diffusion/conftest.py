"""The analytic fixture of the diffusion tests: a 16-dimensional Gaussian prior ``N(mu, C)``.

Every schedule keeps a Gaussian prior Gaussian, so the exact denoiser (``GaussianPriorDenoiser``)
and the exact score are known in closed form, and a correct sampler must return ``N(mu, C)`` up to
discretisation and Monte-Carlo error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
import torch

from denoisekit.denoisers import Denoiser, GaussianPriorDenoiser
from denoisekit.schedules import NoiseSchedule

torch.set_num_threads(1)

DIM = 16


@dataclass
class GaussianPrior:
    mu: torch.Tensor
    cov: torch.Tensor
    y: torch.Tensor  # an observation for OUVE, independent of x0
    denoiser: GaussianPriorDenoiser

    def errors(self, x: torch.Tensor) -> tuple[float, float]:
        """``||mean - mu||_inf`` and ``||cov - C||_F / ||C||_F`` of samples ``x`` (n, d)."""
        mean_err = (x.mean(0) - self.mu).abs().max()
        cov_err = torch.linalg.matrix_norm(torch.cov(x.T) - self.cov) / torch.linalg.matrix_norm(self.cov)
        return float(mean_err), float(cov_err)

    def exact_x_T(self, schedule: NoiseSchedule, n: int, generator: torch.Generator,
                  y: torch.Tensor | None = None) -> torch.Tensor:
        """Draws from the exact marginal at ``t_max``: ``x0 ~ N(mu, C)`` pushed through the forward process."""
        x0 = self.denoiser.prior_sample(n, generator)
        mean, std = schedule.marginal(x0, schedule.t_max, y)
        return mean + std * torch.randn(x0.shape, generator=generator, dtype=x0.dtype)


@pytest.fixture(scope="session")
def prior() -> GaussianPrior:
    """Random SPD ``C`` with eigenvalues in [0.2, 2], ``mu`` uniform in [-1, 1]^16 (seed 0, float64)."""
    g = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(DIM, DIM, generator=g, dtype=torch.float64))
    eigenvalues = 0.2 + 1.8 * torch.rand(DIM, generator=g, dtype=torch.float64)
    cov = q @ torch.diag(eigenvalues) @ q.T
    mu = 2 * torch.rand(DIM, generator=g, dtype=torch.float64) - 1
    y = torch.randn(DIM, generator=g, dtype=torch.float64)
    return GaussianPrior(mu, cov, y, GaussianPriorDenoiser(mu, cov))


class NaNAfter(Denoiser):
    """The wrapped denoiser, until its ``bad_call``-th call (0-based) returns NaN."""

    def __init__(self, inner: Denoiser, bad_call: int):
        super().__init__()
        self.inner, self.bad_call, self.calls = inner, bad_call, 0

    def forward(self, x: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
        out = self.inner(x, sigma)
        self.calls += 1
        return out * math.nan if self.calls - 1 == self.bad_call else out


@pytest.fixture
def nan_after() -> type[NaNAfter]:
    """``nan_after(denoiser, bad_call)``: a denoiser that returns NaN on one call, for the NaN checks."""
    return NaNAfter
