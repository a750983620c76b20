"""Sampling: moments over many draws (within 5 standard errors unless stated), determinism under a seeded
generator, shapes, dtypes and devices."""

from __future__ import annotations

import pytest
import torch

from denoisekit.noise import Correlated, Gamma, Gaussian, NoiseModel, NonIID, Poisson, PoissonGaussian
from denoisekit.operators import Blur

N = 2**18  # draws per channel: the standard error of a variance is about sqrt(2 / N) = 0.28% (Gaussian)
LEVELS = torch.tensor([1.0, 5.0], dtype=torch.float64).reshape(1, 2, 1, 1)  # x per channel


def draw(model: NoiseModel, x_levels: torch.Tensor = LEVELS, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    x = x_levels.expand(N // 512, -1, 16, 32).clone()
    return x, model.sample(x, torch.Generator().manual_seed(seed))


def channel_moments(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    flat = y.transpose(0, 1).reshape(y.shape[1], -1)
    return flat.mean(dim=1), flat.var(dim=1)


def check_moments(y: torch.Tensor, mean: torch.Tensor, variance: torch.Tensor, fourth: torch.Tensor) -> None:
    """Sample mean and variance within 5 standard errors: sqrt(var / N) and sqrt((mu4 - var^2) / N)."""
    m, v = channel_moments(y)
    assert bool(((m - mean).abs() <= 5 * (variance / N).sqrt()).all()), (m, mean)
    assert bool(((v - variance).abs() <= 5 * ((fourth - variance**2) / N).sqrt()).all()), (v, variance)


def test_gaussian_moments() -> None:
    sigma = 0.3
    x, y = draw(Gaussian(sigma))
    var = torch.full((2,), sigma**2, dtype=torch.float64)
    check_moments(y, LEVELS.flatten(), var, 3 * var**2)


def test_complex_gaussian_has_sigma_on_each_part() -> None:
    sigma = 0.3
    x, y = draw(Gaussian(sigma), LEVELS.to(torch.complex128) * (1 + 1j))
    var = torch.full((2,), sigma**2, dtype=torch.float64)
    check_moments(y.real, LEVELS.flatten(), var, 3 * var**2)
    check_moments(y.imag, LEVELS.flatten(), var, 3 * var**2)


def test_poisson_moments_and_lattice() -> None:
    gain = 0.5
    x, y = draw(Poisson(gain))
    lam = LEVELS.flatten() / gain  # counts: mean = var = lam, fourth central moment lam (1 + 3 lam)
    check_moments(y / gain, lam, lam, lam * (1 + 3 * lam))
    assert torch.equal(y / gain, torch.round(y / gain)) and bool((y >= 0).all())


def test_gamma_moments() -> None:
    ell = 10.0
    x, y = draw(Gamma(ell))
    m = LEVELS.flatten()
    var = m**2 / ell  # fourth central moment of Gamma(k, theta): 3 k (k + 2) theta^4
    check_moments(y, m, var, 3 * ell * (ell + 2) * (m / ell) ** 4)
    assert bool((y > 0).all())


def test_poisson_gaussian_moments() -> None:
    gain, sigma = 0.5, 0.4
    x, y = draw(PoissonGaussian(gain, sigma))
    lam = LEVELS.flatten() / gain
    var = gain * LEVELS.flatten() + sigma**2
    fourth = gain**4 * lam * (1 + 3 * lam) + 6 * gain**2 * lam * sigma**2 + 3 * sigma**4
    check_moments(y, LEVELS.flatten(), var, fourth)


def test_non_iid_moments() -> None:
    sigma = torch.tensor([0.1, 0.7], dtype=torch.float64).reshape(2, 1, 1)
    x, y = draw(NonIID(sigma))
    var = sigma.flatten() ** 2
    check_moments(y, LEVELS.flatten(), var, 3 * var**2)


def test_correlated_covariance() -> None:
    """Empirical covariance of 20000 draws on a 4 x 5 image against sigma^2 B B^T (atol 0.05 sigma^2, which
    is over 7 standard errors of sqrt(2 / 20000) sigma^2)."""
    sigma, shape = 0.5, (1, 4, 5)
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 0.0]], dtype=torch.float64)
    x = torch.zeros(20000, *shape, dtype=torch.float64)
    n = (Correlated(sigma, kernel).sample(x, torch.Generator().manual_seed(0))).reshape(20000, -1)
    basis = torch.eye(20, dtype=torch.float64).reshape(20, *shape)
    b = Blur(kernel / kernel.norm())(basis).reshape(20, 20).T
    torch.testing.assert_close(n.T @ n / 20000, sigma**2 * b @ b.T, rtol=0, atol=0.05 * sigma**2)


MODELS = {
    "gaussian": lambda: Gaussian(0.2),
    "poisson": lambda: Poisson(0.1),
    "gamma": lambda: Gamma(5.0),
    "poisson-gaussian": lambda: PoissonGaussian(0.1, 0.05),
    "non-iid": lambda: NonIID(torch.tensor([0.1, 0.3]).reshape(2, 1, 1)),
    "correlated": lambda: Correlated(0.2, torch.ones(3, 3)),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("name", list(MODELS))
def test_same_seed_same_sample(name: str, dtype: torch.dtype) -> None:
    model = MODELS[name]()
    x = torch.rand(2, 2, 8, 9, generator=torch.Generator().manual_seed(9), dtype=dtype) + 0.5
    first = model.sample(x, torch.Generator().manual_seed(1))
    assert first.shape == x.shape and first.dtype == dtype
    assert torch.equal(first, model.sample(x, torch.Generator().manual_seed(1)))
    assert not torch.equal(first, model.sample(x, torch.Generator().manual_seed(2)))


def test_poisson_clips_negative_intensities() -> None:
    y = Poisson(1.0).sample(torch.full((4, 4), -2.0), torch.Generator().manual_seed(0))
    assert torch.equal(y, torch.zeros(4, 4))


def test_bad_parameters_are_rejected() -> None:
    for make in (lambda: Gaussian(0), lambda: Poisson(-1), lambda: Gamma(0), lambda: PoissonGaussian(0, 1),
                 lambda: NonIID(torch.tensor([0.1, 0.0])), lambda: Correlated(0, torch.ones(2, 2))):
        with pytest.raises(ValueError):
            make()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", list(MODELS))
def test_sampling_on_cuda(name: str) -> None:
    model = MODELS[name]().to("cuda")
    x = torch.rand(2, 2, 8, 9, device="cuda") + 0.5
    first = model.sample(x, torch.Generator("cuda").manual_seed(1))
    assert first.device.type == "cuda"
    assert torch.equal(first, model.sample(x, torch.Generator("cuda").manual_seed(1)))
