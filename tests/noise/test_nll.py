"""The closed-form data-fidelity gradients nll_grad(y, Ax) against autograd of nll (float64, atol 1e-10),
and the Gaussian likelihoods against their explicit densities."""

from __future__ import annotations

import pytest
import torch

from denoisekit.noise import Correlated, Gamma, Gaussian, NoiseModel, NonIID, Poisson, PoissonGaussian

D = torch.float64
MODELS = {
    "gaussian": lambda: Gaussian(0.3),
    "poisson": lambda: Poisson(0.2),
    "gamma": lambda: Gamma(8.0),
    "poisson-gaussian": lambda: PoissonGaussian(0.2, 0.1),
    "non-iid": lambda: NonIID(torch.tensor([0.1, 0.4, 0.2], dtype=D).reshape(3, 1, 1)),
    "correlated": lambda: Correlated(0.3, torch.tensor([[1.0, 0.5], [0.2, 0.1]], dtype=D)),
    "correlated-singular": lambda: Correlated(0.3, torch.tensor([[1.0, 1.0]], dtype=D)),  # H = 0 at Nyquist
}
COMPLEX = ("gaussian", "non-iid", "correlated")


def autograd_grad(model: NoiseModel, y: torch.Tensor, ax: torch.Tensor) -> torch.Tensor:
    ax = ax.clone().requires_grad_(True)
    value = model.nll(y, ax)
    assert value.shape == (y.shape[0],)
    (grad,) = torch.autograd.grad(value.sum(), ax)
    return grad


@pytest.mark.parametrize("name", list(MODELS))
def test_nll_grad_matches_autograd(name: str) -> None:
    g = torch.Generator().manual_seed(0)
    model = MODELS[name]()
    ax = torch.rand(2, 3, 4, 6, generator=g, dtype=D) + 0.5  # Ax > 0 for the Poisson and Gamma likelihoods
    if name == "poisson-gaussian":
        ax[0, 0, 0, :3] = -0.2  # the clipped-variance branch
    y = model.sample(ax.clamp(min=0.1), g)
    torch.testing.assert_close(model.nll_grad(y, ax), autograd_grad(model, y, ax), rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", COMPLEX)
def test_nll_grad_matches_autograd_for_complex_signals(name: str) -> None:
    g = torch.Generator().manual_seed(1)
    model = MODELS[name]()
    ax = torch.randn(2, 3, 4, 6, generator=g, dtype=torch.complex128)
    y = model.sample(ax, g)
    torch.testing.assert_close(model.nll_grad(y, ax), autograd_grad(model, y, ax), rtol=0, atol=1e-10)


def test_correlated_nll_is_the_gaussian_quadratic_form() -> None:
    shape, sigma = (1, 1, 3, 4), 0.3
    kernel = torch.tensor([[1.0, 0.5], [0.2, 0.1]], dtype=D)
    model = Correlated(sigma, kernel)
    basis = torch.eye(12, dtype=D).reshape(12, *shape[1:])
    covariance = model.covariance(basis).reshape(12, 12)
    r = torch.randn(shape, generator=torch.Generator().manual_seed(2), dtype=D)
    expected = r.flatten() @ torch.linalg.solve(covariance, r.flatten()) / 2
    torch.testing.assert_close(model.nll(r, torch.zeros_like(r)), expected.reshape(1), rtol=1e-10, atol=0)


DISTRIBUTIONS = {  # -log p(y | Ax) from torch.distributions, with the model's parametrisation
    "gaussian": lambda y, ax: -torch.distributions.Normal(ax, 0.3).log_prob(y),
    "poisson": lambda y, ax: -torch.distributions.Poisson(ax / 0.2).log_prob(torch.round(y / 0.2)),
    "gamma": lambda y, ax: -torch.distributions.Gamma(8.0, 8.0 / ax).log_prob(y),
    "poisson-gaussian": lambda y, ax: -torch.distributions.Normal(ax, (0.2 * ax + 0.1**2).sqrt()).log_prob(y),
}


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_nll_is_the_negative_log_density_up_to_a_constant(name: str) -> None:
    g = torch.Generator().manual_seed(3)
    model, reference = MODELS[name](), DISTRIBUTIONS[name]
    x = torch.rand(2, 1, 3, 3, generator=g, dtype=D) + 0.5
    y = model.sample(x, g)
    ax1, ax2 = x, x * 1.3 + 0.1
    expected = (reference(y, ax1) - reference(y, ax2)).reshape(2, -1).sum(1)
    torch.testing.assert_close(model.nll(y, ax1) - model.nll(y, ax2), expected, rtol=1e-10, atol=1e-10)
