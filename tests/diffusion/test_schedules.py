"""Noise schedules: closed-form marginals against their SDEs, inverses, grids and configs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp

from denoisekit.schedules import EDM, OUVE, SBVE, VE, VP, DiscreteVP, NoiseSchedule, VESigmaT

SCHEDULES = [VP(), VE(), EDM(), OUVE(), VESigmaT(), DiscreteVP(), VP(beta_min=1.0, beta_max=1.0), SBVE()]
IDS = ["VP", "VE", "EDM", "OUVE", "VESigmaT", "DiscreteVP", "VP-constant-beta", "SBVE"]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_marginal_solves_the_sde(schedule: NoiseSchedule) -> None:
    """Mean and variance of ``x_t`` given ``x0`` obey ``dm/dt = f(m, t)`` and ``dV/dt = 2 f_x V + g^2``
    (the drift is affine in x); integrated from ``t_min`` to ``t_max`` (DiscreteVP: over its first 10
    intervals, one at a time since beta jumps at integers), relative error < 1e-6."""
    x0, y = torch.tensor([[0.7]], dtype=torch.float64), torch.tensor([[-0.4]], dtype=torch.float64)

    def rhs(t: float, state: np.ndarray) -> list[float]:
        m, v = state
        f1, g = schedule.sde(torch.tensor([[m + 1.0]], dtype=torch.float64), t, y)
        f0, _ = schedule.sde(torch.tensor([[m]], dtype=torch.float64), t, y)
        return [float(f0), 2 * float(f1 - f0) * v + float(g) ** 2]

    breaks = np.arange(11.0) if isinstance(schedule, DiscreteVP) else [schedule.t_min, schedule.t_max]
    m0, s0 = schedule.marginal(x0, breaks[0], y)
    m1, s1 = schedule.marginal(x0, breaks[-1], y)
    m, v = float(m0), float(s0) ** 2
    for a, b in zip(breaks[:-1], breaks[1:], strict=True):
        m, v = solve_ivp(rhs, (a, b), [m, v], method="DOP853", rtol=1e-11, atol=1e-14).y[:, -1]
    assert abs(m - float(m1)) <= 1e-6 * max(1.0, abs(float(m1)))
    assert abs(v - float(s1) ** 2) <= 1e-6 * float(s1) ** 2


def test_ouve_variance_closed_form_against_ode() -> None:
    """Var(t) = sigma_min^2 (r^{2t} - e^{-2 theta t}) log r / (theta + log r) solves
    dV/dt = -2 theta V + g(t)^2, V(0) = 0: relative error < 1e-4 on t in [0.01, 1]."""
    ouve = OUVE()
    log_r = math.log(ouve.sigma_max / ouve.sigma_min)
    g2 = lambda t: (ouve.sigma_min * math.exp(log_r * t)) ** 2 * 2 * log_r  # noqa: E731
    ts = np.linspace(0.01, 1.0, 25)
    sol = solve_ivp(lambda t, v: -2 * ouve.theta * v + g2(t), (0.0, 1.0), [0.0], t_eval=ts, rtol=1e-12, atol=1e-16)
    closed = ouve.variance(torch.tensor(ts)).numpy()
    assert np.max(np.abs(sol.y[0] - closed) / closed) < 1e-4


def test_ve_sigma_t_std_closed_form_against_ode() -> None:
    """std(t)^2 = (sigma^{2t} - 1) / (2 log sigma) solves dV/dt = sigma^{2t}, V(0) = 0 (relative error < 1e-4)."""
    sched = VESigmaT(sigma=25.0)
    ts = np.linspace(0.01, 1.0, 25)
    sol = solve_ivp(lambda t, v: [25.0 ** (2 * t)], (0.0, 1.0), [0.0], t_eval=ts, rtol=1e-12, atol=1e-16)
    closed = sched.sigma(torch.tensor(ts)).numpy() ** 2
    assert np.max(np.abs(sol.y[0] - closed) / closed) < 1e-4


@pytest.mark.parametrize("schedule", [s for s in SCHEDULES if not isinstance(s, OUVE | SBVE)],
                         ids=[i for i in IDS if i not in ("OUVE", "SBVE")])
def test_sigma_to_t_inverts_sigma(schedule: NoiseSchedule) -> None:
    t = torch.linspace(schedule.t_min, schedule.t_max, 37, dtype=torch.float64)
    torch.testing.assert_close(schedule.sigma_to_t(schedule.sigma(t)), t, rtol=1e-9, atol=1e-9)


def test_ouve_needs_y_and_has_no_sigma_inverse() -> None:
    with pytest.raises(ValueError, match="needs the observation y"):
        OUVE().prior_sample((2, 3))
    with pytest.raises(NotImplementedError):
        OUVE().sigma_to_t(0.5)


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_config_round_trip_is_json(schedule: NoiseSchedule) -> None:
    config = json.loads(json.dumps(schedule.config()))
    rebuilt = NoiseSchedule.from_config(config)
    assert type(rebuilt) is type(schedule) and rebuilt.config() == schedule.config()
    t = torch.linspace(schedule.t_min, schedule.t_max, 5, dtype=torch.float64)
    torch.testing.assert_close(rebuilt.sigma(t), schedule.sigma(t))


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_timesteps_decrease_from_t_max_to_t_min(schedule: NoiseSchedule) -> None:
    ts = schedule.timesteps(10)
    assert ts.shape == (11,) and ts.dtype == torch.float64
    assert float(ts[0]) == pytest.approx(schedule.t_max) and float(ts[-1]) == pytest.approx(schedule.t_min)
    assert bool((ts[1:] < ts[:-1]).all())


def test_edm_grid_is_karras_eq5() -> None:
    edm = EDM(sigma_min=0.002, sigma_max=80.0, rho=7.0)
    n = 18
    i = np.arange(n)
    expected = (80 ** (1 / 7) + i / (n - 1) * (0.002 ** (1 / 7) - 80 ** (1 / 7))) ** 7
    np.testing.assert_allclose(edm.timesteps(n - 1).numpy(), expected, rtol=1e-12)


def test_discrete_vp_matches_monai_alphas_cumprod() -> None:
    from monai.networks.schedulers import DDPMScheduler

    alphas_cumprod = DDPMScheduler(num_train_timesteps=1000, schedule="linear_beta").alphas_cumprod.double()
    sched = DiscreteVP(1000, "linear_beta")
    t = torch.arange(1000, dtype=torch.float64)
    torch.testing.assert_close(sched.scale(t) ** 2, alphas_cumprod, rtol=1e-6, atol=1e-9)
    # the continuous VP (beta in [0.1, 20]) is the N = 1000 limit of this DDPM schedule (Song et al. 2021, Sec. 3.4)
    assert float((VP().scale((t + 1) / 1000) ** 2 - alphas_cumprod).abs().max()) < 1e-3


@pytest.mark.parametrize("schedule", [VP(), EDM(), VESigmaT()], ids=["VP", "EDM", "VESigmaT"])
def test_prior_sample_is_seeded_and_has_the_marginal_std(schedule: NoiseSchedule) -> None:
    draw = lambda: schedule.prior_sample((4000, 8), generator=torch.Generator().manual_seed(5),  # noqa: E731
                                         dtype=torch.float64)
    x = draw()
    assert torch.equal(x, draw())
    std = float(schedule.scale(schedule.t_max) * schedule.sigma(schedule.t_max))
    assert float(x.std()) == pytest.approx(std, rel=0.03)  # 32000 draws: std error ~0.4%


def test_float_times_are_memoised_and_a_changed_parameter_is_seen() -> None:
    vp = VP()
    first = vp.sigma(0.5)
    assert vp.sigma(0.5) is first  # memoised for a float time
    assert torch.equal(vp.sigma(torch.tensor(0.5, dtype=torch.float64)), first)  # tensors are computed each time
    assert torch.equal(first, type(vp).sigma.__wrapped__(vp, 0.5))  # the same value as without the memo
    vp.beta_max = 30.0
    assert float(vp.sigma(0.5)) == pytest.approx(float(VP(beta_max=30.0).sigma(0.5)))
    assert float(vp.sigma(0.5)) > float(first)
