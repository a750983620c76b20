"""The SB-VE Schroedinger bridge: its ends, its transitions against the Brownian bridge's, and sampling.

The marginal family, the SDE and the config are also checked with every other schedule in test_schedules.py.
"""

from __future__ import annotations

import pytest
import torch

from denoisekit.samplers import DDIM, EulerMaruyama
from denoisekit.schedules import SBVE

N = 8000
MEAN_TOL, COV_TOL = 0.08, 0.1


def test_the_bridge_runs_from_x0_to_y() -> None:
    """At t -> 0 the marginal is x0 with no spread, at t -> 1 it is y with no spread; the spread peaks between."""
    sb = SBVE(t_min=1e-6, t_max=1 - 1e-6)
    x0, y = torch.tensor([[2.0]], dtype=torch.float64), torch.tensor([[-1.0]], dtype=torch.float64)
    for t, end in ((1e-6, x0), (1 - 1e-6, y)):
        mean, std = sb.marginal(x0, t, y)
        torch.testing.assert_close(mean, end, atol=1e-5, rtol=0)
        assert float(std) < 3e-3
    stds = torch.stack([sb.marginal(x0, t, y)[1].squeeze() for t in torch.linspace(0.05, 0.95, 19).tolist()])
    assert float(stds.min()) > 0.1 and 0 < int(stds.argmax()) < 18


def test_transitions_are_the_brownian_bridge_pinned_at_y() -> None:
    """From (x_u, u) to t > u, the schedule's exact Gaussian transition (``x_t = r x_u + shift_t - r shift_u + G z``,
    ``r = scale_t / scale_u``, ``G^2 = scale_t^2 (sigma_t^2 - sigma_u^2)``, the form every core sampler assumes)
    equals the Brownian bridge's: mean ``x_u + (s_t - s_u) / (s_1 - s_u) (y - x_u)``, variance
    ``(s_t - s_u) (s_1 - s_t) / (s_1 - s_u)`` with ``s_t`` the reference variance."""
    sb = SBVE()
    x_u, y = torch.tensor([0.3], dtype=torch.float64), torch.tensor([1.7], dtype=torch.float64)
    s1 = float(sb.variance_reference(1.0))
    for u, t in ((0.1, 0.4), (0.5, 0.9), (0.02, 0.99)):
        su, st = float(sb.variance_reference(u)), float(sb.variance_reference(t))
        r = float(sb.scale(t) / sb.scale(u))
        mean = r * x_u + sb.shift(t, y) - r * sb.shift(u, y)
        var = float(sb.scale(t)) ** 2 * (float(sb.sigma(t)) ** 2 - float(sb.sigma(u)) ** 2)
        torch.testing.assert_close(mean, x_u + (st - su) / (s1 - su) * (y - x_u), rtol=1e-10, atol=1e-12)
        assert var == pytest.approx((st - su) * (s1 - st) / (s1 - su), rel=1e-9)


@pytest.mark.parametrize("sampler", [DDIM(0.0), DDIM(1.0), EulerMaruyama()], ids=["ODE", "SDE", "EulerMaruyama"])
def test_sampling_with_the_exact_posterior_mean_reproduces_the_prior(prior, sampler) -> None:
    """x0 ~ N(mu, C) independent of y: the exact posterior mean of x0 given x_t is the Gaussian prior's Wiener
    filter at noise level sigma(t) (the unscaled variable is x0 + sigma eps). The stochastic samplers (DDIM with
    eta 1, Euler-Maruyama on the bridge SDE) start where the bridge starts, y + std z, and forget that this is not
    quite the marginal at t_max; the ODE (DDIM, eta 0) cannot forget, so it starts from the exact marginal (from
    y + std z its mean error was 0.09: the start's offset, sigma(t_max) = 23 against |y - mu| of about 2). The ODE
    and Euler-Maruyama take 200 steps (the ODE's covariance error is 0.10 at 50 steps, 0.05 at 200), DDIM with
    eta 1 takes 50. All return N(mu, C)."""
    sb = SBVE()
    g = torch.Generator().manual_seed(3)
    y = prior.y.expand(N, 16)
    steps = 50 if getattr(sampler, "eta", 0.0) == 1.0 else 200
    start = prior.exact_x_T(sb, N, g, y) if getattr(sampler, "eta", 1.0) == 0.0 else (N, 16)
    x = sampler.sample(prior.denoiser, sb, start, y=y, steps=steps, generator=g)
    mean_err, cov_err = prior.errors(x)
    assert mean_err < MEAN_TOL and cov_err < COV_TOL, (mean_err, cov_err)


def test_needs_y_and_valid_parameters() -> None:
    with pytest.raises(ValueError, match="needs the observation y"):
        SBVE().prior_sample((2, 3))
    with pytest.raises(ValueError, match="needs the observation y"):
        SBVE().shift(0.5)
    with pytest.raises(ValueError, match="k > 1"):
        SBVE(k=1.0)
