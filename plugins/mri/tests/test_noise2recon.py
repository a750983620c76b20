"""Noise2Recon: the consistency term is zero without extra noise, its pseudo-target carries no gradient, the
noise lands on acquired samples only, the simulated masks have their acceleration, and training on a tiny
simulated set lowers the reconstruction error."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.noise2recon_data import TrainingSlices, line_masks, parse_accelerations
from denoisekit_mri.noise2recon_loss import Noise2ReconLoss, added_noise, complex_l1
from denoisekit_mri.noise2recon_train import train
from denoisekit_mri.simulate import coil_maps
from denoisekit_mri.unrolled import Unrolled

torch.set_num_threads(1)


def _phantom(size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.meshgrid(np.linspace(-1, 1, size), np.linspace(-1, 1, size), indexing="ij")
    image = ((xx**2 / 0.7 + yy**2 / 0.5) < 1) * 0.6
    for _ in range(4):
        cy, cx, r = rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5), rng.uniform(0.05, 0.2)
        image = image + rng.uniform(0.1, 0.4) * (((xx - cx) ** 2 + (yy - cy) ** 2) < r**2)
    return image.astype(np.complex64)


def _slices(n: int, size: int = 32, coils: int = 4) -> TrainingSlices:
    maps = coil_maps((size, size), coils)
    full = MultiCoilCartesian(torch.from_numpy(maps), torch.ones(size, size))
    labelled = []
    for i in range(n):
        x = torch.from_numpy(_phantom(size, i))[None]
        labelled.append({"kspace": full.A(x)[0].numpy(), "maps": maps, "target": x.numpy()})
    return TrainingSlices(labelled, [])


def _batch(seed: int = 0, size: int = 32):
    item = _slices(1, size).labelled[0]
    mask = line_masks(1, size, size, (4,), torch.Generator().manual_seed(seed), "cpu")
    kspace = torch.from_numpy(item["kspace"])[None] * mask
    return {"kspace": kspace, "maps": torch.from_numpy(item["maps"])[None], "mask": mask,
            "target": torch.from_numpy(item["target"])}


def _net(seed: int = 0) -> Unrolled:
    torch.manual_seed(seed)
    return Unrolled(unrolls=2, features=4, blocks=1, cg_iterations=3)


def test_consistency_is_zero_without_extra_noise_and_positive_with_it():
    batch = {k: v for k, v in _batch().items() if k != "target"}
    net = _net()
    g = torch.Generator().manual_seed(0)
    assert float(Noise2ReconLoss(1.0, (0.0, 0.0))(net, batch, g).detach()) == 0.0
    assert float(Noise2ReconLoss(1.0, (0.05, 0.05))(net, batch, g).detach()) > 0.0


def test_pseudo_target_carries_no_gradient():
    batch = {k: v for k, v in _batch().items() if k != "target"}
    net = _net()
    loss = Noise2ReconLoss(1.0, (0.05, 0.05))
    loss(net, batch, torch.Generator().manual_seed(1)).backward()
    ours = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    op = MultiCoilCartesian(batch["maps"], batch["mask"])
    with torch.no_grad():
        fixed = net(batch["kspace"], op).clone()  # a constant target
    noise = added_noise(batch["kspace"], op, batch["mask"], (0.05, 0.05), torch.Generator().manual_seed(1))
    complex_l1(net(batch["kspace"] + noise, op), fixed).backward()
    for a, p in zip(ours, net.parameters(), strict=True):
        assert torch.allclose(a, p.grad, rtol=1e-5, atol=1e-8)


def test_added_noise_is_on_acquired_samples_at_the_drawn_level():
    batch = _batch(size=64)
    op = MultiCoilCartesian(batch["maps"], batch["mask"])
    noise = added_noise(batch["kspace"], op, batch["mask"], (0.03, 0.03), torch.Generator().manual_seed(0))
    acquired = (batch["mask"] > 0).expand_as(noise)
    assert torch.all(noise[~acquired] == 0)
    expected = 0.03 * float(op.A_adjoint(batch["kspace"]).abs().max())
    measured = float(noise[acquired].abs().pow(2).mean().sqrt())
    assert abs(measured - expected) < 0.05 * expected


def test_simulated_line_masks_have_their_acceleration_and_centre():
    g = torch.Generator().manual_seed(0)
    masks = line_masks(64, 8, 256, (4, 8), g, "cpu")
    columns = masks[:, 0, 0]
    rates = 256 / columns.sum(dim=1)
    assert torch.all(columns[:, 127:130] == 1)
    assert abs(float(rates[rates < 6].mean()) - 4) < 0.4 and abs(float(rates[rates >= 6].mean()) - 8) < 1.0
    assert torch.all(masks == masks[:, :, :1])  # whole columns


def test_parse_accelerations():
    assert parse_accelerations("4,8") == (4.0, 8.0)
    for bad in ("", "4,x", "0.5"):
        with pytest.raises(ValueError):
            parse_accelerations(bad)


def _error(net: Unrolled, slices: TrainingSlices) -> float:
    total = 0.0
    for seed, item in enumerate(slices.labelled):
        size = item["kspace"].shape[-1]
        mask = line_masks(1, size, size, (4,), torch.Generator().manual_seed(100 + seed), "cpu")
        op = MultiCoilCartesian(torch.from_numpy(item["maps"])[None], mask)
        with torch.no_grad():
            total += float(complex_l1(net(torch.from_numpy(item["kspace"])[None] * mask, op),
                                      torch.from_numpy(item["target"])))
    return total


def test_training_on_a_tiny_simulated_set_lowers_the_error():
    slices = _slices(4)
    config = {"unrolls": 2, "features": 8, "blocks": 1, "cg_iterations": 3, "weight": 0.1, "sigma_low": 0.0,
              "sigma_high": 0.05, "batch": 2, "accelerations": "4", "lr": 3e-3, "iterations": 40,
              "checkpoint_every": 1000}
    torch.manual_seed(0)
    untrained = Unrolled(2, 8, 1, 3)
    before = _error(untrained, slices)
    net, history = train(slices, config, "cpu", seed=0)
    after = _error(net, slices)
    assert after < 0.85 * before  # measured 0.75
    assert history[-1][1] < history[0][1]
