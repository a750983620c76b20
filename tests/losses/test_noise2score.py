"""Noise2Score: Tweedie inference from an exact score, the annealing of delta, the step counter."""

from __future__ import annotations

import pytest
import torch

from denoisekit.losses import Noise2Score
from denoisekit.noise import Gaussian

D = torch.float64


def test_tweedie_of_the_exact_score_is_the_posterior_mean() -> None:
    """x ~ N(mu, s^2) per pixel, y = x + N(0, sigma^2): p(y) = N(mu, s^2 + sigma^2), and Tweedie's estimate
    from its exact score is the posterior mean mu + s^2 / (s^2 + sigma^2) (y - mu)."""
    mu, s, sigma = 0.4, 0.2, 0.1
    y = mu + (s**2 + sigma**2) ** 0.5 * torch.randn(2, 1, 6, 6, generator=torch.Generator().manual_seed(0), dtype=D)

    def exact_score(v: torch.Tensor) -> torch.Tensor:
        return -(v - mu) / (s**2 + sigma**2)

    estimate = Noise2Score(noise=Gaussian(sigma)).denoise(exact_score, y)
    torch.testing.assert_close(estimate, mu + s**2 / (s**2 + sigma**2) * (y - mu), rtol=0, atol=1e-12)


def test_the_exact_score_minimises_the_ar_dae_loss_among_scalings() -> None:
    """For Gaussian data N(mu, v) the AR-DAE optimum at small delta is the score -(y - mu) / v: scaling it by
    0.5 or 2 gives a larger loss (averaged over many draws, delta held at 0.05)."""
    mu, v = 0.3, 0.04
    y = mu + v**0.5 * torch.randn(64, 1, 16, 16, generator=torch.Generator().manual_seed(1), dtype=D)
    loss = Noise2Score(sigma_max=0.05, sigma_min=0.05).eval()

    def value(scale: float) -> float:
        return float(loss(lambda z: -scale * (z - mu) / v, y, generator=torch.Generator().manual_seed(2)))

    assert value(1.0) < value(0.5) and value(1.0) < value(2.0)


def test_delta_is_annealed_linearly_then_held() -> None:
    loss = Noise2Score(sigma_max=0.1, sigma_min=0.001, anneal_steps=4)
    y = torch.zeros(1, 1, 4, 4)
    deltas = []
    for _ in range(6):
        deltas.append(float(loss.delta()))
        loss(lambda v: v, y, generator=torch.Generator().manual_seed(0))
    assert deltas == pytest.approx([0.1, 0.07525, 0.0505, 0.02575, 0.001, 0.001], rel=1e-5)
    assert int(loss.state_dict()["step"]) == 6
    loss.eval()
    loss(lambda v: v, y)
    assert int(loss.step) == 6  # the counter only advances in training mode


def test_denoise_needs_a_noise_model() -> None:
    with pytest.raises(ValueError, match="noise model"):
        Noise2Score().denoise(lambda v: v, torch.zeros(1, 1, 4, 4))


@pytest.mark.parametrize(("low", "high", "steps"), [(0.0, 0.1, 10), (0.2, 0.1, 10), (0.001, 0.1, 0)])
def test_bad_settings(low: float, high: float, steps: int) -> None:
    with pytest.raises(ValueError):
        Noise2Score(sigma_max=high, sigma_min=low, anneal_steps=steps)
