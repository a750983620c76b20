"""The NCSN++-style score U-Net: shapes at every size it supports, conditioning on time, FLOP counting."""

import pytest
import torch
from denoisekit_speech.backbone import SIZES, BackboneConfig, ScoreUNet, gflop_per_evaluation, parameter_count


def test_tiny_config_is_a_cpu_sized_net():
    assert 1e6 < parameter_count(ScoreUNet(SIZES["tiny"])) < 2e6


@pytest.mark.parametrize("config", [SIZES["tiny"], BackboneConfig(nf=8, ch_mult=(1, 2), attn_resolutions=(32,),
                                                                     mid_attention=True)])
def test_output_shape_and_time_dependence(config):
    net = ScoreUNet(config, bins=64)
    for p in net.parameters():  # NCSN++ starts every block at the identity; perturb so time matters
        p.data.add_(0.05 * torch.randn(p.shape, generator=torch.Generator().manual_seed(p.numel())))
    x = torch.randn(2, 4, 64, 2 * config.stride, generator=torch.Generator().manual_seed(0))
    a = net(x, torch.tensor([0.1, 0.1]))
    b = net(x, torch.tensor([0.9, 0.9]))
    assert a.shape == (2, 2, 64, 2 * config.stride)
    assert not torch.allclose(a, b)


def test_flops_grow_linearly_with_frames():
    net = ScoreUNet(BackboneConfig(nf=8, ch_mult=(1, 2)), bins=64)
    one, two = gflop_per_evaluation(net, bins=64, frames=16), gflop_per_evaluation(net, bins=64, frames=32)
    assert one > 0.01
    assert two == pytest.approx(2 * one, rel=1e-3)
