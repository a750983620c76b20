"""Conditional samplers against exact Gaussian posteriors.

The prior is the 16-dimensional ``N(mu, C)`` of conftest.py with its exact denoiser; the measurement is
``y = A x + n``, ``n ~ N(0, 0.1^2 I)``, for one prior draw ``x``, with ``A`` a mask keeping 8 of 16 entries, the
identity (denoising), or a 2x2 box blur of a 1x4x4 image (circular; its Nyquist rows and columns are zero singular
values). The posterior is Gaussian with mean ``m = mu + C A^T (A C A^T + s^2 I)^{-1} (y - A mu)`` (also the MAP) and
covariance ``C - C A^T (A C A^T + s^2 I)^{-1} A C``. For the mask, prior and posterior mean differ by up to 1.67.

Errors are ``||mean - m||_inf`` over the samples (or, for RED-diff, over independent runs) and
``||cov - C_post||_F / ||C_post||_F``. Monte-Carlo error alone: about ``sqrt(v / n)`` per coordinate, so 0.02-0.04
for n = 2000 draws. Every tolerance is the measured error (seed 1, in the comments; seeds 2-3 checked too) with a
margin; the methods are approximations, so the measured errors include their bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from denoisekit.denoisers import Denoiser, GaussianPriorDenoiser
from denoisekit.noise import Gaussian, Poisson
from denoisekit.operators import Blur, ForwardOperator, Identity, Mask
from denoisekit.samplers import (
    CCDF,
    DDIM,
    DDPM,
    DDRM,
    DPS,
    DataConsistency,
    EulerEDM,
    EulerMaruyama,
    HeunEDM,
    JointPosteriorSampler,
    PredictorCorrector,
    REDDiff,
)
from denoisekit.schedules import OUVE, VE, VP, VESigmaT

torch.set_num_threads(1)

SIGMA_Y = 0.1
N = 2000


@dataclass
class Problem:
    op: ForwardOperator
    y: torch.Tensor  # (1, *shape)
    mean: torch.Tensor  # (16,)
    cov: torch.Tensor
    denoiser: GaussianPriorDenoiser

    def errors(self, x: torch.Tensor) -> tuple[float, float]:
        x = x.reshape(x.shape[0], -1)
        mean_err = (x.mean(0) - self.mean).abs().max()
        cov_err = torch.linalg.matrix_norm(torch.cov(x.T) - self.cov) / torch.linalg.matrix_norm(self.cov)
        return float(mean_err), float(cov_err)

    def run(self, sampler, schedule, steps: int, n: int = N, seed: int = 1, **kwargs) -> torch.Tensor:
        return sampler.sample(self.denoiser, schedule, (n, *self.y.shape[1:]), y=self.y.expand(n, *self.y.shape[1:]),
                              op=self.op, steps=steps, generator=torch.Generator().manual_seed(seed), **kwargs)


def make_problem(prior, op: ForwardOperator, shape: tuple[int, ...], seed: int = 5) -> Problem:
    g = torch.Generator().manual_seed(seed)
    x = prior.denoiser.prior_sample(1, g).reshape(1, *shape)
    basis = torch.eye(16, dtype=torch.float64).reshape(16, *shape)
    a = op.A(basis).reshape(16, 16).T  # column k is A e_k
    y = op.A(x) + SIGMA_Y * torch.randn(x.shape, generator=g, dtype=x.dtype)
    gain = prior.cov @ a.T @ torch.linalg.inv(a @ prior.cov @ a.T + SIGMA_Y**2 * torch.eye(16, dtype=x.dtype))
    mean = prior.mu + gain @ (y.reshape(-1) - a @ prior.mu)
    return Problem(op, y, mean, prior.cov - gain @ a @ prior.cov, GaussianPriorDenoiser(prior.mu.reshape(shape),
                                                                                          prior.cov))


@pytest.fixture(scope="module")
def mask(prior) -> Problem:
    keep = torch.zeros(16, dtype=torch.float64)
    keep[torch.randperm(16, generator=torch.Generator().manual_seed(4))[:8]] = 1
    return make_problem(prior, Mask(keep), (16,))


@pytest.fixture(scope="module")
def blur(prior) -> Problem:
    return make_problem(prior, Blur(torch.full((2, 2), 0.25, dtype=torch.float64)), (1, 4, 4))


@pytest.fixture(scope="module")
def denoising(prior) -> Problem:
    return make_problem(prior, Identity(), (1, 4, 4))


def test_the_measurement_is_informative(mask) -> None:
    """The posterior mean is far from the prior mean (1.67): the tolerances below are not met by ignoring y."""
    assert float((mask.mean - mask.denoiser.mu).abs().max()) > 1.5


# ---- DPS ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sampler", [DPS(zeta=0.2), DPS(zeta=1e-3, noise=Gaussian(SIGMA_Y))],
                         ids=["normalised", "likelihood"])
def test_dps_reproduces_the_posterior_mean(mask, sampler: DPS) -> None:
    """Ancestral steps, VE, 1000 steps. Normalised (zeta = 0.2): mean 0.050, covariance 0.071; with the Gaussian
    likelihood ||r||^2 / (2 sigma_y^2) (zeta = 1e-3): 0.040 / 0.061. DPS is approximate and zeta needs tuning:
    normalised, zeta = 0.05 / 0.1 / 0.3 / 1 give 0.15 / 0.068 / 0.105 / 0.25, and VP with zeta 0.3-1 gives 0.33-0.41
    (the unmeasured entries lag behind); likelihood steps with zeta >= 3e-3 on VP diverge (NaN)."""
    mean_err, cov_err = mask.errors(mask.run(sampler, VE(), 1000))
    assert mean_err < 0.12 and cov_err < 0.15, (mean_err, cov_err)


# ---- RED-diff ----------------------------------------------------------------------------------------------------


def test_red_diff_reproduces_the_posterior_mean(mask) -> None:
    """For a Gaussian the posterior mean is the MAP that RED-diff aims at. Each run ends within a spread (largest
    per-entry standard deviation over runs) of 0.33, from Adam's steps on the noisy regulariser gradient, so 1000 runs
    are averaged: VE, 1000 steps, lr 0.05, lam 1, sigma_y in the data term: 0.052. The paper's lr 0.5, lam 0.25
    averages as well (0.039 on VP, 0.079 on VE) but single runs spread by 1.0 (VP) to 1.5 (VE)."""
    x = mask.run(REDDiff(lr=0.05, lam=1.0, noise=Gaussian(SIGMA_Y)), VE(), 1000, n=1000)
    mean_err = float((x.mean(0) - mask.mean).abs().max())
    assert mean_err < 0.1, mean_err
    assert float(x.std(0).max()) < 0.5


def test_red_diff_starts_at_the_given_estimate_and_never_differentiates_the_model(mask) -> None:
    class NoGrad(Denoiser):
        def forward(self, x, sigma):
            assert not torch.is_grad_enabled()
            return mask.denoiser(x, sigma)

    start = torch.full((4, 16), 0.3, dtype=torch.float64)
    seen = []
    REDDiff(noise=Gaussian(SIGMA_Y)).sample(NoGrad(), VE(), start, y=mask.y, op=mask.op, steps=3,
                                            callback=lambda i, x, x0: seen.append(x))
    assert seen[0].shape == (4, 16) and (seen[0] - start).abs().max() <= 0.5 + 1e-9  # one Adam step of at most lr


# ---- data consistency --------------------------------------------------------------------------------------------

DC_CASES = {  # name: (problem fixture, sampler, schedule, steps); measured mean / covariance error (worst of 3 seeds)
    "project-DDPM-VP": ("mask", DataConsistency(DDPM(), "project"), VP(), 100),  # 0.056 / 0.090 (0.076 / 0.099)
    "prox-DDIM-VP": ("mask", DataConsistency(DDIM(), "prox", noise=Gaussian(SIGMA_Y)), VP(), 300),  # 0.071 / 0.059
    "prox-Heun-VE": ("mask", DataConsistency(HeunEDM(), "prox", noise=Gaussian(SIGMA_Y)), VE(), 150),  # 0.092 / 0.065
    "prox-DDIM-VE-blur": ("blur", DataConsistency(DDIM(), "prox", noise=Gaussian(SIGMA_Y)), VE(), 300),  # 0.063 / 0.070
}


@pytest.mark.parametrize("name", list(DC_CASES))
def test_data_consistency_reproduces_the_posterior(request, name: str) -> None:
    fixture, sampler, schedule, steps = DC_CASES[name]
    problem = request.getfixturevalue(fixture)
    mean_err, cov_err = problem.errors(problem.run(sampler, schedule, steps))
    assert mean_err < 0.14 and cov_err < 0.15, (mean_err, cov_err)


# ---- DDRM --------------------------------------------------------------------------------------------------------

DDRM_CASES = {  # name: (problem fixture, eta, steps, samples); measured mean error
    "mask": ("mask", 0.85, 500, N),  # 0.058
    "denoising": ("denoising", 0.85, 500, N),  # 0.013
    "blur-with-zero-singular-values": ("blur", 0.85, 500, 1000),  # 0.081
}


@pytest.mark.parametrize("name", list(DDRM_CASES))
def test_ddrm_reproduces_the_posterior_mean(request, name: str) -> None:
    """The paper's eta = 0.85, eta_b = 1, VE. The mean converges with the steps (mask: 0.084 at 100, 0.058 at 500,
    0.049 at 1000): each step pulls the unmeasured part towards x0_hat by a fixed fraction, so it does not lag."""
    fixture, eta, steps, n = DDRM_CASES[name]
    problem = request.getfixturevalue(fixture)
    mean_err, _ = problem.errors(problem.run(DDRM(eta=eta, noise=Gaussian(SIGMA_Y)), VE(), steps, n=n))
    assert mean_err < 0.1 if n == N else mean_err < 0.15, mean_err


def test_ddrm_covariance(mask, denoising) -> None:
    """DDRM is not an exact posterior sampler. Over many steps, an unmeasured direction of variance v settles at
    ``eta^2 v / (2 (1 - sqrt(1 - eta^2)))``: 0.93 v for eta = 0.5 (measured covariance error 0.068) but 0.76 v for
    eta = 0.85 (0.257). A measured direction stops moving once sigma_t < sigma_y, so denoising samples collapse onto
    the mean (covariance error 0.90)."""
    _, cov_err = mask.errors(mask.run(DDRM(eta=0.5, noise=Gaussian(SIGMA_Y)), VE(), 1000))
    assert cov_err < 0.15, cov_err
    _, cov_err = mask.errors(mask.run(DDRM(noise=Gaussian(SIGMA_Y)), VE(), 500))
    assert 0.18 < cov_err < 0.32, cov_err
    _, cov_err = denoising.errors(denoising.run(DDRM(noise=Gaussian(SIGMA_Y)), VE(), 200))
    assert cov_err > 0.8, cov_err


# ---- CCDF --------------------------------------------------------------------------------------------------------


def test_ccdf_needs_fewer_steps(denoising) -> None:
    """Denoising with DDRM on VP, started from the noisy image forward-diffused to t0 = 0.3 (sigma 1.24): 10 steps
    give a mean error of 0.005, the full process 0.138 with the same 10 steps and 0.031 with 20. (For the mask,
    A^+ y is zero where nothing is measured, an initial error of up to 2: with DataConsistency(DDPM()) and 20 steps
    CCDF gives 0.16 at t0 = 0.5, the full process 0.11.)"""
    ddrm = DDRM(noise=Gaussian(SIGMA_Y))
    ccdf, _ = denoising.errors(denoising.run(CCDF(ddrm, t_start=0.3), VP(), 10))
    same, _ = denoising.errors(denoising.run(ddrm, VP(), 10))
    double, _ = denoising.errors(denoising.run(ddrm, VP(), 20))
    assert ccdf < 0.02 and same > 0.1 and ccdf < double, (ccdf, same, double)


def test_ccdf_grid_and_start(mask) -> None:
    seen = []
    CCDF(t_start=0.25).sample(mask.denoiser, VP(), (3, 16), y=mask.y, op=mask.op, steps=5,
                              callback=lambda i, x, x0: seen.append(i))
    assert seen == list(range(5))
    assert CCDF(t_start=0.25).timesteps(VP(), 5) == VP().timesteps(20).tolist()[15:]


# ---- joint two-prior sampler ---------------------------------------------------------------------------------------


@dataclass
class Sources:
    tissue: GaussianPriorDenoiser
    haze: GaussianPriorDenoiser
    y: torch.Tensor
    mean: torch.Tensor  # posterior mean of x given y = x + h
    cov: torch.Tensor

    def run(self, sampler, steps: int = 200, n: int = N, seed: int = 1) -> torch.Tensor:
        return sampler.sample(self.tissue, VESigmaT(), (n, 32), y=self.y.expand(n, 16), steps=steps,
                              generator=torch.Generator().manual_seed(seed))

    def errors(self, out: torch.Tensor) -> tuple[float, float, float]:
        x, h = out.chunk(2, dim=1)
        mean_err = (x.mean(0) - self.mean).abs().max()
        cov_err = torch.linalg.matrix_norm(torch.cov(x.T) - self.cov) / torch.linalg.matrix_norm(self.cov)
        return float(mean_err), float(cov_err), float((x + h - self.y).abs().max())


def make_sources(prior, cov_h: torch.Tensor, mu_h: torch.Tensor, cov_x: torch.Tensor | None = None) -> Sources:
    """``x ~ N(mu, C_x)``, ``h ~ N(mu_h, C_h)`` independent, ``y = x + h``: the posterior mean of ``x`` is
    ``mu + C_x (C_x + C_h)^{-1} (y - mu - mu_h)``."""
    cov_x = prior.cov if cov_x is None else cov_x
    g = torch.Generator().manual_seed(6)
    tissue, haze = GaussianPriorDenoiser(prior.mu, cov_x), GaussianPriorDenoiser(mu_h, cov_h)
    y = (tissue.prior_sample(1, g) + haze.prior_sample(1, g))[0]
    gain = cov_x @ torch.linalg.inv(cov_x + cov_h)
    return Sources(tissue, haze, y, prior.mu + gain @ (y - prior.mu - mu_h), cov_x - gain @ cov_x)


@pytest.fixture(scope="module")
def isotropic(prior) -> Sources:
    """``C_x = C_h = I / 2``: the joint prior of ``(x, h)`` is isotropic."""
    eye = torch.eye(16, dtype=torch.float64) / 2
    return make_sources(prior, eye, 0.3 * torch.ones(16, dtype=torch.float64), cov_x=eye)


@pytest.fixture(scope="module")
def anisotropic(prior) -> Sources:
    """The conftest ``C`` for the tissue; a haze covariance with eigenvalues in [0.05, 0.5] and another basis."""
    g = torch.Generator().manual_seed(7)
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=g, dtype=torch.float64))
    cov_h = q @ torch.diag(0.05 + 0.45 * torch.rand(16, generator=g, dtype=torch.float64)) @ q.T
    return make_sources(prior, cov_h, 0.3 * torch.randn(16, generator=g, dtype=torch.float64))


def test_joint_sampler_is_exact_for_an_isotropic_joint_prior(isotropic) -> None:
    """The paper's update (lam = kappa = 1/2, gamma = 1: the projection onto x + h = yhat_t), Euler-Maruyama on
    VESigmaT(25), 200 steps: mean 0.022, covariance 0.096 (prior to posterior mean: 0.79); x + h is y up to the
    final noise level (0.13)."""
    mean_err, cov_err, residual = isotropic.errors(isotropic.run(JointPosteriorSampler(isotropic.haze)))
    assert mean_err < 0.08 and cov_err < 0.15 and residual < 0.3, (mean_err, cov_err, residual)


def test_joint_sampler_with_x0_consistency_is_exact_for_any_gaussian_pair(anisotropic) -> None:
    """Projecting the denoised estimates instead (consistency="x0"): mean 0.026, covariance 0.084 (prior to
    posterior mean: 1.78), x + h = y."""
    out = anisotropic.run(JointPosteriorSampler(anisotropic.haze, consistency="x0"))
    mean_err, cov_err, residual = anisotropic.errors(out)
    assert mean_err < 0.08 and cov_err < 0.15 and residual < 1e-9, (mean_err, cov_err, residual)


def test_joint_sampler_paper_update_is_biased_for_anisotropic_priors(anisotropic) -> None:
    """Documents the bias of the paper's update when the priors are not isotropic: the unmeasured direction x - h
    lags (mean error 0.325; 0.149 with one Langevin corrector step per step)."""
    mean_err, _, _ = anisotropic.errors(anisotropic.run(JointPosteriorSampler(anisotropic.haze)))
    assert mean_err > 0.15, mean_err


def test_joint_sampler_with_ccdf_and_gamma(isotropic) -> None:
    """CCDF's start (x and h both at y plus noise, 160 of 200 steps as in the paper): mean 0.022. gamma = 1.5 puts
    more of y into the haze: the tissue estimate moves from 2.69 to 3.52 away from y."""
    ccdf = CCDF(JointPosteriorSampler(isotropic.haze), t_start=0.8)
    mean_err, _, _ = isotropic.errors(isotropic.run(ccdf, steps=160))
    assert mean_err < 0.08, mean_err
    x_neutral = isotropic.run(JointPosteriorSampler(isotropic.haze), n=500).chunk(2, dim=1)[0].mean(0)
    x_strong = isotropic.run(JointPosteriorSampler(isotropic.haze, gamma=1.5), n=500).chunk(2, dim=1)[0].mean(0)
    assert (x_strong - isotropic.y).norm() > (x_neutral - isotropic.y).norm() + 0.5


# ---- behaviour shared by all conditional samplers -------------------------------------------------------------------

SAMPLERS = {  # name: (sampler, model evaluations per step)
    "DPS": (DPS(noise=Gaussian(SIGMA_Y), zeta=0.01), 1),
    "REDDiff": (REDDiff(noise=Gaussian(SIGMA_Y), weighting="constant"), 1),
    "DDRM": (DDRM(noise=Gaussian(SIGMA_Y)), 1),
    "DataConsistency": (DataConsistency(DDPM(), "prox", noise=Gaussian(SIGMA_Y)), 1),
    "CCDF": (CCDF(DataConsistency(DDIM(0.5), "project"), t_start=0.6), 1),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_same_seed_same_samples(mask, name: str) -> None:
    sampler, _ = SAMPLERS[name]
    run = lambda seed: mask.run(sampler, VP(), 6, n=8, seed=seed)  # noqa: E731
    assert torch.equal(run(7), run(7))
    assert not torch.equal(run(7), run(8))


def test_joint_same_seed_same_samples(isotropic) -> None:
    run = lambda seed: isotropic.run(JointPosteriorSampler(isotropic.haze), steps=6, n=8, seed=seed)  # noqa: E731
    assert torch.equal(run(7), run(7))
    assert not torch.equal(run(7), run(8))


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_nan_is_reported_with_its_step(mask, name: str, nan_after) -> None:
    sampler, per_step = SAMPLERS[name]
    model = nan_after(mask.denoiser, bad_call=4 * per_step)
    with pytest.raises(FloatingPointError, match=f"{name} produced NaN/Inf at step 4 of 10"):
        sampler.sample(model, VP(), (4, 16), y=mask.y, op=mask.op, steps=10, generator=torch.Generator().manual_seed(0))


def test_joint_nan_is_reported_with_its_step(isotropic, nan_after) -> None:
    sampler = JointPosteriorSampler(nan_after(isotropic.haze, bad_call=4))
    with pytest.raises(FloatingPointError, match="JointPosteriorSampler produced NaN/Inf at step 4 of 10"):
        sampler.sample(isotropic.tissue, VESigmaT(), (4, 32), y=isotropic.y, steps=10)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_image_float32_and_callback(prior, blur, name: str) -> None:
    """(B, 1, 4, 4) float32 in, same shape and dtype out, callback once per step (a blur with zero singular values)."""
    sampler, _ = SAMPLERS[name]
    den = GaussianPriorDenoiser(prior.mu.reshape(1, 4, 4).float(), prior.cov.float())
    seen = []
    x = sampler.sample(den, VP(), (3, 1, 4, 4), y=blur.y.float(), op=blur.op, steps=5,
                       generator=torch.Generator().manual_seed(0), callback=lambda i, x, x0: seen.append(x.shape),
                       progress=True)
    assert x.shape == (3, 1, 4, 4) and x.dtype == torch.float32 and bool(torch.isfinite(x).all())
    assert seen == [(3, 1, 4, 4)] * 5


def test_refusals(mask, isotropic) -> None:
    run = lambda sampler, **kw: sampler.sample(mask.denoiser, VP(), (2, 16), steps=2, **kw)  # noqa: E731
    with pytest.raises(TypeError, match="needs the measurement y"):
        run(DPS(), op=mask.op)
    with pytest.raises(TypeError, match="needs the forward operator op"):
        run(DDRM(), y=mask.y)
    with pytest.raises(ValueError, match="OUVE shifts its mean"):
        DPS().sample(mask.denoiser, OUVE(), (2, 16), y=mask.y, op=mask.op, steps=2)
    with pytest.raises(TypeError, match="Gaussian noise"):
        DDRM(noise=Poisson(1.0))
    with pytest.raises(ValueError, match="needs gamma or noise"):
        DataConsistency(DDIM(), "prox")
    with pytest.raises(TypeError, match="unconditional sampler"):
        DataConsistency(DPS())
    with pytest.raises(ValueError, match="weighting must be one of"):
        REDDiff(weighting="sqrt")
    with pytest.raises(TypeError, match="RED-diff is an optimiser"):
        CCDF(REDDiff())
    with pytest.raises(TypeError, match="no forward operator"):
        JointPosteriorSampler(isotropic.haze).sample(isotropic.tissue, VP(), (2, 32), y=isotropic.y, op=Identity(),
                                                     steps=2)
    for sampler in (DDPM(), DDIM(), EulerEDM(), HeunEDM(), PredictorCorrector(), EulerMaruyama()):
        with pytest.raises(TypeError, match="no forward operator"):
            sampler.sample(mask.denoiser, VP(), (2, 16), y=mask.y, op=mask.op, steps=2)
