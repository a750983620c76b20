"""Tweedie / Noise2Score estimates against exact posteriors: closed forms for conjugate priors and
1-D quadrature (trapezoid on a log grid, score by autograd of the log marginal) for the others."""

from __future__ import annotations

import math

import pytest
import torch
from torch import digamma

from denoisekit.noise import Correlated, Gamma, Gaussian, NonIID, Poisson, PoissonGaussian
from denoisekit.operators import Blur

D = torch.float64


def gaussian_posterior_mean(y: torch.Tensor, mu: torch.Tensor, prior: torch.Tensor, noise: torch.Tensor):
    """x ~ N(mu, C), y = x + N(0, S): the score of p(y) = N(mu, C + S) and E[x | y] = mu + C (C + S)^-1 (y - mu)."""
    solved = torch.linalg.solve(prior + noise, y - mu)
    return -solved, mu + prior @ solved


def test_gaussian_scalar_prior_is_exact() -> None:
    mu, s, sigma = 1.5, 0.7, 0.4
    y = torch.linspace(-2, 5, 15, dtype=D)
    score = -(y - mu) / (s**2 + sigma**2)
    expected = mu + s**2 / (s**2 + sigma**2) * (y - mu)
    torch.testing.assert_close(Gaussian(sigma).tweedie(y, score), expected, rtol=0, atol=1e-12)


def random_covariance(n: int, seed: int) -> torch.Tensor:
    a = torch.randn(n, n, generator=torch.Generator().manual_seed(seed), dtype=D)
    return a @ a.T / n + 0.1 * torch.eye(n, dtype=D)


def test_gaussian_vector_prior_is_exact() -> None:
    n, sigma = 12, 0.3
    mu, prior = torch.linspace(0, 1, n, dtype=D), random_covariance(n, 0)
    y = torch.randn(n, generator=torch.Generator().manual_seed(1), dtype=D)
    score, expected = gaussian_posterior_mean(y, mu, prior, sigma**2 * torch.eye(n, dtype=D))
    torch.testing.assert_close(Gaussian(sigma).tweedie(y, score), expected, rtol=0, atol=1e-12)


PER_CHANNEL = torch.tensor([0.2, 0.5, 1.0], dtype=D).reshape(3, 1, 1)
PER_PIXEL = torch.tensor([[0.1, 0.4], [0.8, 0.3]], dtype=D)


@pytest.mark.parametrize("sigma_map", [PER_CHANNEL, PER_PIXEL], ids=["per-channel", "per-pixel"])
def test_non_iid_matches_the_gaussian_formula_with_a_diagonal_covariance(sigma_map: torch.Tensor) -> None:
    shape = (1, 3, 2, 2)
    n = math.prod(shape)
    mu, prior = torch.linspace(-1, 1, n, dtype=D), random_covariance(n, 2)
    noise = torch.diag((sigma_map.expand(shape) ** 2).flatten())
    y = torch.randn(n, generator=torch.Generator().manual_seed(3), dtype=D)
    score, expected = gaussian_posterior_mean(y, mu, prior, noise)
    estimate = NonIID(sigma_map).tweedie(y.reshape(shape), score.reshape(shape))
    torch.testing.assert_close(estimate.flatten(), expected, rtol=0, atol=1e-10)


def test_correlated_matches_the_gaussian_formula_with_the_explicit_covariance() -> None:
    shape, sigma = (1, 1, 4, 5), 0.6
    n = math.prod(shape)
    kernel = torch.rand(3, 3, generator=torch.Generator().manual_seed(4), dtype=D)
    model = Correlated(sigma, kernel)
    basis = torch.eye(n, dtype=D).reshape(n, *shape[1:])
    b = Blur(kernel / kernel.norm())(basis).reshape(n, n).T  # Blur is checked against scipy in tests/operators
    noise = sigma**2 * b @ b.T
    torch.testing.assert_close(model.covariance(basis).reshape(n, n).T, noise, rtol=0, atol=1e-12)
    assert torch.diagonal(noise) == pytest.approx(sigma**2)  # the marginal standard deviation is sigma
    mu, prior = torch.linspace(0, 2, n, dtype=D), random_covariance(n, 5)
    y = torch.randn(n, generator=torch.Generator().manual_seed(6), dtype=D)
    score, expected = gaussian_posterior_mean(y, mu, prior, noise)
    torch.testing.assert_close(model.tweedie(y.reshape(shape), score.reshape(shape)).flatten(), expected,
                               rtol=0, atol=1e-10)


# ---- Poisson: y = zeta k, k ~ Poisson(x / zeta); Gamma(a, b) prior on x / zeta (rate b), conjugate ----

def test_poisson_gamma_prior_closed_form() -> None:
    a, b, zeta = 30.0, 3.0, 0.5
    k = torch.arange(1, 60, dtype=D)
    # the marginal of k is negative binomial; continued to real k its score is
    score = (digamma(k + a) - digamma(k + 1) - math.log(b + 1)) / zeta
    estimate = Poisson(zeta).tweedie(zeta * k, score)
    # exact: E[log(x/zeta) | y] = digamma(a + k) - log(b + 1) = zeta s + digamma(k + 1), so Noise2Score's
    # formula is the posterior geometric mean up to digamma(k + 1) ~ log(k + 1/2)
    geometric = zeta * torch.exp(digamma(a + k)) / (b + 1)
    torch.testing.assert_close(estimate * torch.exp(digamma(k + 1)) / (k + 0.5), geometric, rtol=1e-12, atol=0)
    # against the posterior mean zeta (a + k) / (b + 1): Jensen gap 1/(2(a+k)) plus digamma error 1/(24(k+1/2)^2)
    mean = zeta * (a + k) / (b + 1)
    relative = (estimate / mean - 1).abs()
    assert bool((relative <= 1 / (2 * (a + k)) + 1 / (24 * (k + 0.5) ** 2)).all()), relative.max()
    assert float(relative.max()) < 0.035


def lognormal_grid(median: float, spread: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Quadrature nodes u = log x (4001 points over +-10 standard deviations) and prior weights p(u)."""
    u = torch.linspace(math.log(median) - 10 * spread, math.log(median) + 10 * spread, 4001, dtype=D)
    return u, u.exp(), torch.exp(-((u - math.log(median)) ** 2) / (2 * spread**2))


def quadrature(loglik, y: torch.Tensor, u: torch.Tensor, prior: torch.Tensor):
    """Score of the marginal (autograd of the log of the integral) and the posterior weights over u."""
    y = y.clone().requires_grad_(True)
    weights = torch.exp(loglik(y[:, None])) * prior
    (score,) = torch.autograd.grad(torch.log(torch.trapezoid(weights, u, dim=1)).sum(), y)
    weights = weights.detach()
    return score, lambda f: torch.trapezoid(weights * f, u, dim=1) / torch.trapezoid(weights, u, dim=1)


def test_poisson_lognormal_prior_by_quadrature() -> None:
    zeta = 0.5
    u, x, prior = lognormal_grid(4.0, 0.3)
    k = torch.arange(1, 20, dtype=D)

    def loglik(y: torch.Tensor) -> torch.Tensor:  # Poisson likelihood continued to real y
        return (y / zeta) * torch.log(x / zeta) - x / zeta - torch.lgamma(y / zeta + 1)

    score, posterior = quadrature(loglik, zeta * k, u, prior)
    # Tweedie for the exponential family, exactly: E[log(x / zeta) | y] = zeta s + digamma(k + 1)
    torch.testing.assert_close(posterior(torch.log(x / zeta)), zeta * score + digamma(k + 1), rtol=0, atol=1e-10)
    mean, variance = posterior(x), posterior(x**2) - posterior(x) ** 2
    relative = (Poisson(zeta).tweedie(zeta * k, score) / mean - 1).abs()
    # geometric-mean gap ~ CV^2 / 2, plus the digamma approximation
    assert bool((relative <= variance / mean**2 / 2 + 1 / (24 * (k + 0.5) ** 2)).all()), relative


# ---- Gamma: y = x g, g ~ Gamma(ell, 1/ell) ----

def test_gamma_inverse_gamma_prior_closed_form() -> None:
    alpha, beta, ell = 3.0, 2.0, 20.0  # 1/x ~ Gamma(alpha, rate beta), conjugate
    y = torch.linspace(0.2, 5, 25, dtype=D)
    # p(y) is proportional to y^(ell-1) (beta + ell y)^-(ell + alpha)
    score = (ell - 1) / y - ell * (ell + alpha) / (beta + ell * y)
    estimate = Gamma(ell).tweedie(y, score)
    harmonic = (beta + ell * y) / (alpha + ell)  # 1 / E[1/x | y], the posterior being Gamma(alpha + ell, beta + ell y)
    torch.testing.assert_close(estimate, harmonic, rtol=1e-12, atol=0)
    mean = (beta + ell * y) / (alpha + ell - 1)
    ratio = torch.full_like(y, (alpha + ell - 1) / (alpha + ell))
    torch.testing.assert_close(estimate / mean, ratio, rtol=1e-12, atol=0)


def test_gamma_lognormal_prior_by_quadrature() -> None:
    ell = 20.0
    u, x, prior = lognormal_grid(4.0, 0.3)
    y = torch.linspace(2, 7, 11, dtype=D)

    def loglik(y: torch.Tensor) -> torch.Tensor:
        return ell * torch.log(ell / x) + (ell - 1) * torch.log(y) - ell * y / x - math.lgamma(ell)

    score, posterior = quadrature(loglik, y, u, prior)
    estimate = Gamma(ell).tweedie(y, score)
    torch.testing.assert_close(estimate, 1 / posterior(1 / x), rtol=1e-10, atol=0)  # the harmonic posterior mean
    mean, variance = posterior(x), posterior(x**2) - posterior(x) ** 2
    gap = 1 - estimate / mean  # harmonic <= arithmetic mean; the gap is about the squared coefficient of variation
    assert bool((gap > 0).all()) and bool((gap <= variance / mean**2).all()), gap


# ---- Poisson-Gaussian: Gaussian approximation N(y; x, gain x + sigma^2) ----

@pytest.mark.parametrize("gain, sigma, mu, spread, tolerance",
                         [(0.5, 1.0, 20.0, 2.0, 0.1), (0.1, 2.0, 10.0, 3.0, 0.05), (1e-9, 0.5, 3.0, 1.0, 1e-6)])
def test_poisson_gaussian_by_quadrature(gain: float, sigma: float, mu: float, spread: float, tolerance: float) -> None:
    x = torch.linspace(1e-4, mu + 12 * spread, 40001, dtype=D)
    prior = torch.exp(-((x - mu) ** 2) / (2 * spread**2))
    y = torch.linspace(mu - 2.5 * spread, mu + 2.5 * spread, 11, dtype=D)

    def loglik(y: torch.Tensor) -> torch.Tensor:
        v = gain * x + sigma**2
        return -((y - x) ** 2) / (2 * v) - torch.log(v) / 2

    score, posterior = quadrature(loglik, y, x, prior)
    mean, std = posterior(x), (posterior(x**2) - posterior(x) ** 2).sqrt()
    error = (PoissonGaussian(gain, sigma).tweedie(y, score) - mean).abs() / std
    assert float(error.max()) < tolerance  # in posterior standard deviations


def test_poisson_gaussian_branches() -> None:
    model = PoissonGaussian(0.5, 1.0)
    y, score = torch.tensor([4.0, -3.0, 1.0], dtype=D), torch.tensor([0.5, 0.5, 3.0], dtype=D)
    expected = torch.tensor([(4 + 0.5) / (1 - 0.25), -3 + 0.5, 1 + (0.5 * 1 + 1) * 3], dtype=D)
    torch.testing.assert_close(model.tweedie(y, score), expected)  # fixed point, negative branch, no fixed point
