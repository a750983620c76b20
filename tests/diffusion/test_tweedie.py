"""Tweedie conversions, the exact Gaussian denoiser, and DenoiserScore against closed-form scores."""

from __future__ import annotations

import pytest
import torch

from denoisekit.denoisers import (
    DenoiserScore,
    eps_to_x0,
    score_from_x0,
    v_to_x0,
    x0_from_score,
    x0_to_eps,
    x0_to_v,
)
from denoisekit.schedules import EDM, OUVE, VE, VP, VESigmaT

G = torch.Generator().manual_seed(0)
X0 = torch.randn(3, 2, 5, 5, generator=G, dtype=torch.float64)
EPS = torch.randn(3, 2, 5, 5, generator=G, dtype=torch.float64)


@pytest.mark.parametrize("batched", [False, True])
def test_eps_x0_v_round_trips(batched: bool) -> None:
    """``x = alpha x0 + sigma_t eps`` for VP and non-VP coefficients; every conversion exact to 1e-6."""
    for alpha, sigma_t in [(0.8, 0.6), (0.3, 2.5)]:
        if batched:
            alpha, sigma_t = torch.tensor([alpha, 1.0, 0.5]), torch.tensor([sigma_t, 0.1, 3.0])
        a = alpha.reshape(-1, 1, 1, 1) if batched else alpha
        s = sigma_t.reshape(-1, 1, 1, 1) if batched else sigma_t
        x = a * X0 + s * EPS
        v = a * EPS - s * X0  # Salimans & Ho's definition
        torch.testing.assert_close(eps_to_x0(x, EPS, alpha, sigma_t), X0, rtol=0, atol=1e-6)
        torch.testing.assert_close(x0_to_eps(x, X0, alpha, sigma_t), EPS, rtol=0, atol=1e-6)
        torch.testing.assert_close(x0_to_v(x, X0, alpha, sigma_t), v, rtol=0, atol=1e-6)
        torch.testing.assert_close(v_to_x0(x, v, alpha, sigma_t), X0, rtol=0, atol=1e-6)


def test_v_matches_monai_velocity() -> None:
    """Our v is MONAI's ``Scheduler.get_velocity`` (``sqrt(abar) eps - sqrt(1 - abar) x0``)."""
    from monai.networks.schedulers import DDPMScheduler

    sched = DDPMScheduler(num_train_timesteps=1000)
    steps = torch.tensor([10, 500, 990])
    x0, eps = X0.float(), EPS.float()
    abar = sched.alphas_cumprod[steps]
    x = sched.add_noise(x0, eps, steps)
    ours = x0_to_v(x, x0, abar.sqrt(), (1 - abar).sqrt())
    torch.testing.assert_close(ours, sched.get_velocity(x0, eps, steps), rtol=1e-5, atol=1e-5)


def test_score_round_trip_and_gaussian_score() -> None:
    """For x0 fixed (a point prior) the score of ``N(s x0, (s sigma)^2)`` is ``-(x - s x0) / (s sigma)^2``."""
    scale, sigma = 0.7, 1.3
    x = scale * (X0 + sigma * EPS)
    score = score_from_x0(x, X0, scale, sigma)
    torch.testing.assert_close(score, -(x - scale * X0) / (scale * sigma) ** 2, rtol=0, atol=1e-6)
    torch.testing.assert_close(x0_from_score(x, score, scale, sigma), X0, rtol=0, atol=1e-6)


def test_gaussian_denoiser_is_the_posterior_mean(prior) -> None:
    """``mu + C (C + sigma^2 I)^{-1} (x - mu)`` by a direct solve; scalar and per-sample sigma; 1e-10."""
    x = torch.randn(5, 16, generator=G, dtype=torch.float64)
    sigmas = torch.tensor([0.01, 0.3, 1.0, 4.0, 50.0], dtype=torch.float64)
    eye = torch.eye(16, dtype=torch.float64)
    direct = torch.stack([prior.mu + prior.cov @ torch.linalg.solve(prior.cov + s**2 * eye, xi - prior.mu)
                          for xi, s in zip(x, sigmas, strict=True)])
    torch.testing.assert_close(prior.denoiser(x, sigmas), direct, rtol=0, atol=1e-10)
    torch.testing.assert_close(prior.denoiser(x, 0.3)[1], direct[1], rtol=0, atol=1e-10)


def test_gaussian_denoiser_keeps_event_shape_and_dtype(prior) -> None:
    from denoisekit.denoisers import GaussianPriorDenoiser

    d = GaussianPriorDenoiser(prior.mu.reshape(1, 4, 4), prior.cov)
    x = torch.randn(3, 1, 4, 4, generator=G)
    out = d(x, 0.5)
    assert out.shape == x.shape and out.dtype == torch.float32
    torch.testing.assert_close(out.reshape(3, 16), prior.denoiser(x.reshape(3, 16).double(), 0.5).float())


@pytest.mark.parametrize("schedule", [VP(), VE(), EDM(), VESigmaT()], ids=["VP", "VE", "EDM", "VESigmaT"])
def test_denoiser_score_is_the_exact_marginal_score(prior, schedule) -> None:
    """x_t ~ N(s mu, s^2 (C + sigma^2 I)): DenoiserScore(GaussianPriorDenoiser) gives its score to 1e-8 (relative)."""
    x = torch.randn(4, 16, generator=G, dtype=torch.float64)
    for t in (schedule.t_min, 0.5 * (schedule.t_min + schedule.t_max), schedule.t_max):
        s, sig = float(schedule.scale(t)), float(schedule.sigma(t))
        x_t = s * x
        cov_t = s**2 * (prior.cov + sig**2 * torch.eye(16, dtype=torch.float64))
        exact = -torch.linalg.solve(cov_t, (x_t - s * prior.mu).T).T
        ours = DenoiserScore(prior.denoiser, schedule).score(x_t, t)
        torch.testing.assert_close(ours, exact, rtol=1e-8, atol=1e-8 * float(exact.abs().max()))


def test_denoiser_score_with_ouve_and_y(prior) -> None:
    """OUVE marginal of a Gaussian prior: N(e^{-theta t} mu + (1 - e^{-theta t}) y, e^{-2 theta t} C + Var(t) I);
    the score from the denoiser (through scale, shift, sigma) equals its closed form (relative 1e-8)."""
    ouve = OUVE()
    y = prior.y.expand(4, 16)
    x = torch.randn(4, 16, generator=G, dtype=torch.float64)
    for t in (0.03, 0.4, 1.0):
        a = torch.exp(torch.tensor(-ouve.theta * t, dtype=torch.float64))
        cov_t = a**2 * prior.cov + ouve.variance(t) * torch.eye(16, dtype=torch.float64)
        exact = -torch.linalg.solve(cov_t, (x - a * prior.mu - (1 - a) * y).T).T
        ours = DenoiserScore(prior.denoiser, ouve).score(x, t, y)
        torch.testing.assert_close(ours, exact, rtol=1e-8, atol=1e-8 * float(exact.abs().max()))
