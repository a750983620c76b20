"""Truncated schedules: the parent's forward process below the cut, a config that says so, and sampler runs
equal to the two ways the pipelines started late before (a new EDM with ``sigma_max = sigma_y``; a DiscreteVP
whose ``t_max`` was overwritten)."""

from __future__ import annotations

import json

import pytest
import torch

from denoisekit.samplers import DDIM, HeunEDM
from denoisekit.schedules import EDM, OUVE, VE, VP, DiscreteVP, NoiseSchedule, Truncated

PARENTS = [VP(), VE(), EDM(), OUVE(), DiscreteVP()]
IDS = ["VP", "VE", "EDM", "OUVE", "DiscreteVP"]


def _start(parent: NoiseSchedule) -> float:
    return parent.t_min + 0.37 * (parent.t_max - parent.t_min)


@pytest.mark.parametrize("parent", PARENTS, ids=IDS)
def test_marginals_and_sde_equal_the_parents_below_the_start(parent: NoiseSchedule) -> None:
    t_start = _start(parent)
    cut = Truncated(parent, t_start)
    assert (cut.t_min, cut.t_max) == (parent.t_min, t_start) and parent.t_max > t_start  # the parent is kept
    g = torch.Generator().manual_seed(0)
    x0, y = torch.randn(3, 5, generator=g, dtype=torch.float64), torch.randn(3, 5, generator=g, dtype=torch.float64)
    for t in [*torch.linspace(parent.t_min, t_start, 6, dtype=torch.float64).tolist(), t_start]:
        for got, want in zip(cut.marginal(x0, t, y), parent.marginal(x0, t, y), strict=True):
            torch.testing.assert_close(got, want, rtol=0, atol=0)
        for got, want in zip(cut.sde(x0, t, y), parent.sde(x0, t, y), strict=True):
            torch.testing.assert_close(got, want, rtol=0, atol=0)
    ts = cut.timesteps(7)
    assert float(ts[0]) == pytest.approx(t_start, rel=1e-12) and float(ts[-1]) == pytest.approx(parent.t_min)
    assert bool((ts[1:] < ts[:-1]).all())


@pytest.mark.parametrize("parent", PARENTS, ids=IDS)
def test_config_says_where_it_starts_and_round_trips_as_json(parent: NoiseSchedule) -> None:
    cut = Truncated(parent, _start(parent))
    config = json.loads(json.dumps(cut.config()))
    assert config == {"_class_name": "Truncated", "schedule": parent.config(), "t_start": _start(parent)}
    for rebuilt in (NoiseSchedule.from_config(config), Truncated.from_config(config)):
        assert type(rebuilt) is Truncated and type(rebuilt.parent) is type(parent)
        assert rebuilt.config() == cut.config() and rebuilt.t_max == cut.t_max
        torch.testing.assert_close(rebuilt.timesteps(5), cut.timesteps(5), rtol=0, atol=0)


def test_the_start_must_lie_on_the_parents_interval() -> None:
    for t_start in (-0.5, 81.0):
        with pytest.raises(ValueError, match="outside EDM's"):
            Truncated(EDM(), t_start)


def test_edm_cut_at_sigma_runs_like_a_new_edm_ending_there(prior) -> None:
    """image/ddim's old way: ``EDM(sigma_min, sigma_max=sigma_y)`` from ``x_T = y``; the same grid and samples."""
    sigma_y, sigma_min = 0.3, 0.002
    old = EDM(sigma_min=sigma_min, sigma_max=sigma_y)
    cut = Truncated.at_sigma(EDM(sigma_min=sigma_min), sigma_y)
    torch.testing.assert_close(cut.timesteps(9), old.timesteps(9), rtol=0, atol=0)
    g = torch.Generator().manual_seed(1)
    x0 = prior.denoiser.prior_sample(64, g)
    y = x0 + sigma_y * torch.randn(x0.shape, generator=g, dtype=x0.dtype)
    sampler = HeunEDM(S_churn=1.0)
    want = sampler.sample(prior.denoiser, old, y, steps=6, generator=torch.Generator().manual_seed(2))
    got = sampler.sample(prior.denoiser, cut, y, steps=6, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_discrete_vp_cut_at_sigma_runs_like_the_overwritten_t_max(prior) -> None:
    """hsi/diffusion3d's old way: ``schedule.t_max = sigma_to_t(sigma_y)`` on the prior's own schedule."""
    sigma_y = 0.2
    mutated = DiscreteVP()
    mutated.t_max = float(mutated.sigma_to_t(sigma_y))
    parent = DiscreteVP()
    cut = Truncated.at_sigma(parent, sigma_y)
    assert cut.t_max == mutated.t_max and parent.t_max == 999.0
    g = torch.Generator().manual_seed(3)
    x0 = prior.denoiser.prior_sample(64, g)
    x_T = float(cut.scale(cut.t_max)) * (x0 + sigma_y * torch.randn(x0.shape, generator=g, dtype=x0.dtype))
    sampler = DDIM(eta=0.5)
    want = sampler.sample(prior.denoiser, mutated, x_T, steps=5, generator=torch.Generator().manual_seed(4))
    got = sampler.sample(prior.denoiser, cut, x_T, steps=5, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(got, want, rtol=0, atol=0)
