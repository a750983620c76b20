"""SURE against the true MSE, and its inputs."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from denoisekit.image.sample import clean_camera
from denoisekit.losses import SURE
from denoisekit.noise import Gaussian, Poisson
from denoisekit.operators import Mask


def smoother(x: torch.Tensor) -> torch.Tensor:
    """A fixed linear smoother: 3x3 binomial blur, zero padding."""
    k = torch.tensor([1.0, 2.0, 1.0])
    kernel = (k[:, None] * k[None, :] / 16).expand(1, 1, 3, 3)
    return F.conv2d(x, kernel, padding=1)


def test_sure_matches_the_true_mse_of_a_linear_smoother() -> None:
    """On the 256x256 camera image (sigma 0.1) and averaged over 32 noise draws, SURE (Monte-Carlo divergence,
    one probe per draw) is within 2% of the true MSE ||f(y) - x||^2 / N. Measured: 0.7% apart; one draw
    alone scatters by 2.4%."""
    clean = torch.from_numpy(clean_camera() / 255.0).float()[None, None]
    loss, noise = SURE(), Gaussian(0.1)
    g = torch.Generator().manual_seed(3)
    sure, mse = [], []
    for _ in range(32):
        y = noise.sample(clean, g)
        sure.append(float(loss(smoother, y, noise=noise, generator=g)))
        mse.append(float((smoother(y) - clean).square().mean()))
    true, estimate = sum(mse) / len(mse), sum(sure) / len(sure)
    assert abs(estimate - true) <= 0.02 * true, (estimate, true)


def test_identity_gives_the_formula_with_the_probe_norm() -> None:
    """f(y) = y: ||y - f||^2 = 0 and the divergence estimate is ||b||^2 (mean N), so
    SURE = -sigma^2 + 2 sigma^2 ||b||^2 / N, whose mean sigma^2 is the noisy image's MSE."""
    y = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    value = SURE(eps=1e-2)(lambda v: v, y, noise=Gaussian(0.3), generator=torch.Generator().manual_seed(1))
    b = torch.randn(y.shape, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(value, -0.09 + 0.18 * b.square().mean(), rtol=1e-4, atol=0)


@pytest.mark.parametrize("noise", [None, Poisson(0.1)], ids=["none", "poisson"])
def test_needs_gaussian_noise(noise) -> None:
    with pytest.raises(ValueError, match="Gaussian"):
        SURE()(lambda v: v, torch.zeros(1, 1, 4, 4), noise=noise)


def test_is_for_denoising_only() -> None:
    with pytest.raises(ValueError, match="denoising"):
        SURE()(lambda v: v, torch.zeros(1, 1, 4, 4), op=Mask(torch.ones(4, 4)), noise=Gaussian(0.1))
