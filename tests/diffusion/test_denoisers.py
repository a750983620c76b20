"""Bias-free denoisers (scaling identity) and the MONAI DiffusionModelUNet wrapper."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from denoisekit.denoisers import (
    BiasFreeBatchNorm,
    BiasFreeCNN,
    Denoiser,
    UNetDenoiser,
    homogeneity_error,
    make_bias_free,
    x0_to_eps,
    x0_to_v,
)
from denoisekit.samplers import DDIM
from denoisekit.schedules import VP, DiscreteVP


class PlainCNN(Denoiser):
    """An ordinary conv net with biases and batch norm, for contrast."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                 nn.Conv2d(8, 1, 3, padding=1))

    def forward(self, x: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
        return x - self.net(x)


def _randomise(module: nn.Module, seed: int) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    for p in module.parameters():
        p.data.normal_(0.0, 0.3, generator=g)
    for name, b in module.named_buffers():
        if name.endswith(("running_mean", "running_var")):
            b.copy_(torch.rand(b.shape, generator=g) + (0.5 if name.endswith("var") else -0.5))
    return module


X = torch.randn(2, 1, 12, 12, generator=torch.Generator().manual_seed(1), dtype=torch.float64)


@pytest.mark.parametrize("spatial_dims", [1, 2, 3])
def test_bias_free_cnn_is_homogeneous(spatial_dims: int) -> None:
    """D(a x, a sigma) = a D(x, sigma) for a in {0.25, 3} to 1e-12 (float64, eval mode)."""
    net = _randomise(BiasFreeCNN(1, width=8, depth=4, spatial_dims=spatial_dims), 0).double().eval()
    assert net.bias_free and net.blind
    assert not any(name.endswith("bias") for name, _ in net.named_parameters())
    x = torch.randn(2, 1, *([6] * spatial_dims), generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    for a in (0.25, 3.0):
        assert homogeneity_error(net, x, 0.5, a) < 1e-12


def test_a_plain_net_violates_the_identity_until_made_bias_free() -> None:
    net = _randomise(PlainCNN(), 0).double().eval()
    assert homogeneity_error(net, X, 0.5, 3.0) > 1e-2
    make_bias_free(net)
    assert net.bias_free
    assert isinstance(net.net[1], BiasFreeBatchNorm)
    assert net.net[0].bias is None and net.net[3].bias is None
    assert homogeneity_error(net, X, 0.5, 3.0) < 1e-12


def test_make_bias_free_refuses_scale_invariant_layers() -> None:
    net = nn.Sequential(nn.Conv2d(1, 8, 3), nn.GroupNorm(2, 8), nn.SiLU())
    with pytest.raises(ValueError, match="1, 2"):
        make_bias_free(net)
    assert net[0].bias is not None  # nothing changed


def _tiny_unet(prediction: str, schedule) -> UNetDenoiser:
    torch.manual_seed(0)  # MONAI builds its layers from the global generator
    den = UNetDenoiser.from_monai(schedule, prediction, spatial_dims=2, in_channels=1, out_channels=1,
                                  channels=(8, 16), attention_levels=(False, False), num_res_blocks=1,
                                  norm_num_groups=8, num_head_channels=8)
    g = torch.Generator().manual_seed(3)
    for p in den.net.parameters():  # MONAI zero-initialises the output conv: randomise everything
        p.data.normal_(0.0, 0.05, generator=g)
    return den.eval()


@pytest.mark.parametrize("prediction", ["eps", "v", "x0"])
def test_unet_denoiser_shapes_and_conversions(prediction: str) -> None:
    """x0_hat has the input's shape and dtype; converting it back gives the net's raw prediction (1e-5)."""
    schedule = DiscreteVP(1000)
    den = _tiny_unet(prediction, schedule)
    x = torch.randn(2, 1, 16, 16, generator=torch.Generator().manual_seed(4))
    sigma = torch.tensor([0.3, 2.0])
    with torch.no_grad():
        x0 = den(x, sigma)
        assert x0.shape == x.shape and x0.dtype == torch.float32
        t = schedule.sigma_to_t(sigma)
        alpha, sigma_t = schedule.scale(t), schedule.scale(t) * schedule.sigma(t)
        x_t = alpha.float().reshape(-1, 1, 1, 1) * x
        raw = den.net(x_t, t.float())
        back = {"eps": x0_to_eps, "v": x0_to_v, "x0": lambda x, x0, a, s: x0}[prediction](x_t, x0, alpha, sigma_t)
        torch.testing.assert_close(back, raw, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(den(x[:1], 0.3), x0[:1], rtol=1e-5, atol=1e-5)  # float sigma


def test_unet_denoiser_eps_by_hand() -> None:
    """eps-prediction: D(x, sigma) = x - sigma eps_net(scale x, t) when sigma is a training noise level."""
    schedule = DiscreteVP(1000)
    den = _tiny_unet("eps", schedule)
    t = torch.tensor([250.0, 700.0])
    sigma = schedule.sigma(t)
    x = torch.randn(2, 1, 16, 16, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        eps = den.net(schedule.scale(t).float().reshape(-1, 1, 1, 1) * x, t.float())
        torch.testing.assert_close(den(x, sigma), x - sigma.float().reshape(-1, 1, 1, 1) * eps, rtol=1e-4, atol=1e-5)


def test_unet_denoiser_samples_with_a_continuous_vp() -> None:
    den = _tiny_unet("v", VP())
    den.timestep_scale = 999.0
    x = DDIM().sample(den, VP(), (2, 1, 16, 16), steps=3, generator=torch.Generator().manual_seed(0))
    assert x.shape == (2, 1, 16, 16) and x.dtype == torch.float32 and bool(torch.isfinite(x).all())
