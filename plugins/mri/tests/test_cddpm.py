"""mri/cddpm-dc's pieces: the data-consistency steps (a projection; soft between identity and projection), the
DDIM + DC sampler with an oracle noise predictor (returns the clean image), the training masks and pairs, and a
tiny training run that lowers the eps-loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from denoisekit_mri.cddpm_network import ConditionalEpsNet, robust_scale
from denoisekit_mri.cddpm_pipeline import reconstruct, support
from denoisekit_mri.cddpm_sampler import clip_magnitude, hard_dc, sample, soft_dc, timesteps
from denoisekit_mri.cddpm_train import EpsLoss, Undersample, columns, train
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.fft import fft2c, ifft2c

from denoisekit.api import DiscreteVP

torch.set_num_threads(1)


def _problem(coils: int = 8, size: int = 16, seed: int = 0, dtype=torch.complex128):
    g = torch.Generator().manual_seed(seed)
    maps = torch.randn((coils, size, size), generator=g, dtype=dtype)
    maps = maps / torch.sqrt(torch.sum(maps.abs() ** 2, dim=0, keepdim=True))
    mask = columns(size, 4.0, "random", g, "cpu").to(torch.float64)
    op = MultiCoilCartesian(maps, mask)
    x = torch.randn((1, size, size), generator=g, dtype=dtype)
    return op, x, op.A(x)


def test_hard_dc_is_a_projection_that_keeps_the_acquired_samples():
    op, x_true, y = _problem()
    x0 = torch.randn_like(x_true)
    once = hard_dc(x0, y, op, iterations=200)
    twice = hard_dc(once, y, op, iterations=200)
    assert torch.allclose(twice, once, atol=1e-6)
    assert torch.allclose(op.A(once), y, atol=1e-6)  # acquired samples equal y
    assert not torch.allclose(once, x0, atol=1e-3)


def test_single_coil_hard_dc_replaces_the_acquired_samples():
    g = torch.Generator().manual_seed(1)
    mask = columns(16, 4.0, "equispaced", g, "cpu").to(torch.float64)
    op = MultiCoilCartesian.single_coil((16, 16), mask, dtype=torch.complex128)
    x0, x_true = torch.randn((2, 1, 16, 16), generator=g, dtype=torch.complex128)
    y = op.A(x_true)
    expected = ifft2c((1 - mask) * fft2c(x0) + mask * y[:, 0])
    assert torch.allclose(hard_dc(x0, y, op, iterations=5), expected, atol=1e-10)


def test_soft_dc_lies_between_the_estimate_and_the_projection():
    op, x_true, y = _problem(seed=2)
    x0 = torch.randn_like(x_true)
    assert torch.equal(soft_dc(x0, y, op, 0.0), x0)
    residual = [torch.linalg.vector_norm(op.A(soft_dc(x0, y, op, w, iterations=100)) - y) for w in (0.1, 1.0, 1e4)]
    assert residual[0] > residual[1] > residual[2]
    assert torch.allclose(soft_dc(x0, y, op, 1e6, iterations=200), hard_dc(x0, y, op, iterations=200), atol=1e-3)


def test_timesteps_run_from_the_last_training_index_down_to_zero():
    assert timesteps(5, 1000) == [999, 749, 500, 250, 0]
    assert timesteps(1, 1000) == [999]


def test_ddim_with_an_oracle_noise_predictor_returns_the_clean_image():
    """eps_hat = the true noise of x_t given the known clean image: x0_hat is that image at every step, DC
    leaves it unchanged (y = A x), and the sampler ends on it, for either DC."""
    op, x_true, y = _problem(seed=3, dtype=torch.complex64)
    schedule = DiscreteVP(1000)

    def oracle(x_t, t):
        a = float(schedule.scale(float(t[0]))) ** 2
        return (x_t - a**0.5 * x_true) / (1 - a) ** 0.5

    for dc in (lambda x, y_, o: hard_dc(x, y_, o, 20), lambda x, y_, o: soft_dc(x, y_, o, 5.0, 20)):
        out = sample(oracle, schedule, y, op, tuple(x_true.shape), timesteps(4, 1000), dc,
                     torch.Generator().manual_seed(0))
        assert torch.allclose(out, x_true, atol=1e-3)


class _Oracle(torch.nn.Module):
    """A stand-in network that knows the clean image (in the units the pipeline normalises to)."""

    def __init__(self, clean: torch.Tensor, scale: torch.Tensor):
        super().__init__()
        self.clean, self.scale, self.arch = clean, scale, {"timesteps": 1000}
        self.schedule = DiscreteVP(1000)

    def forward(self, x_t, condition, t):
        a = float(self.schedule.scale(float(t[0]))) ** 2
        return (x_t - a**0.5 * self.clean / self.scale) / (1 - a) ** 0.5


def test_reconstruct_returns_the_clean_image_in_the_input_units():
    op, x_true, y = _problem(seed=4, dtype=torch.complex64)
    x_true, y = 300 * x_true, 300 * y
    net = _Oracle(x_true, robust_scale(op.A_adjoint(y)))
    config = {"steps": 3, "dc": "hard", "dc_weight": 1.0, "cg_iterations": 10, "clip": 0.0}
    assert torch.allclose(reconstruct(net, y, op, config, torch.Generator().manual_seed(0)), x_true, rtol=1e-3,
                          atol=1e-2)


def test_hard_dc_makes_any_network_output_consistent_with_the_data():
    op, _, y = _problem(seed=5, dtype=torch.complex64)
    net = ConditionalEpsNet((4, 8), 1, False).eval()
    out = reconstruct(net, y, op, {"steps": 2, "dc": "hard", "dc_weight": 1.0, "cg_iterations": 50, "clip": 3.0})
    assert torch.allclose(op.A(out), y, atol=1e-3 * float(y.abs().max()))


def test_clip_bounds_the_magnitude_and_keeps_the_phase():
    x = torch.tensor([3 + 4j, 0.3 - 0.4j, 0j], dtype=torch.complex64)
    clipped = clip_magnitude(x, 1.0)
    assert torch.allclose(clipped, torch.tensor([0.6 + 0.8j, 0.3 - 0.4j, 0j]))
    assert torch.equal(clip_magnitude(x, 0.0), x)


def test_the_reconstruction_is_zero_outside_the_coil_maps():
    op, _, y = _problem(seed=6, dtype=torch.complex64)
    maps = op.maps.clone()
    maps[..., :3] = 0
    op = MultiCoilCartesian(maps, op.mask)
    assert torch.equal(support(op)[0, :, :3], torch.zeros(16, 3))
    net = ConditionalEpsNet((4, 8), 1, False).eval()
    out = reconstruct(net, op.A(torch.ones((1, 16, 16), dtype=torch.complex64)), op,
                      {"steps": 2, "dc": "soft", "dc_weight": 1.0, "cg_iterations": 5, "clip": 3.0})
    assert float(out[..., :3].abs().max()) == 0 and float(out[..., 3:].abs().min()) > 0


@pytest.mark.parametrize("acceleration", [4.0, 6.5, 10.0])
@pytest.mark.parametrize("kind", ["equispaced", "random"])
def test_training_masks_sample_about_one_column_in_r_with_the_centre(kind, acceleration):
    g = torch.Generator().manual_seed(0)
    fractions = [float(columns(256, acceleration, kind, g, "cpu").mean()) for _ in range(20)]
    assert abs(np.mean(fractions) * acceleration - 1) < 0.1
    m = columns(256, acceleration, kind, g, "cpu")
    centre = round(256 * 0.32 / acceleration)
    start = (256 - centre + 1) // 2
    assert bool(m[start:start + centre].all())


def test_fixed_mask_is_the_same_for_every_element_and_mixed_masks_differ():
    coils = torch.randn((3, 2, 32, 32), dtype=torch.complex64)
    maps = torch.ones((3, 2, 32, 32), dtype=torch.complex64) / 2**0.5
    fixed = Undersample(4, 4, "fixed").masks(3, 32, 32, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert torch.equal(fixed[0], fixed[2])
    mixed = Undersample(4, 10, "mixed").masks(3, 32, 32, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert not torch.equal(mixed[0], mixed[1])
    out = Undersample(4, 10, "mixed")({"x": coils[:, :1], "coils": coils, "maps": maps},
                                      torch.Generator().manual_seed(0))
    mask = Undersample(4, 10, "mixed").masks(3, 32, 32, torch.Generator().manual_seed(0), torch.device("cpu"))
    expected = MultiCoilCartesian(maps, mask).A_adjoint(mask * fft2c(coils))
    assert torch.allclose(out["zero_filled"], expected, atol=1e-5)


def test_a_tiny_training_run_lowers_the_loss():
    g = torch.Generator().manual_seed(0)
    items = []
    for _ in range(4):
        image = torch.zeros((24, 24), dtype=torch.complex64)
        image[6:18, 4:20] = torch.rand(1, generator=g).item() + 0.5
        maps = torch.ones((2, 24, 24), dtype=torch.complex64) / 2**0.5
        items.append({"x": image[None].numpy(), "coils": (maps * image).numpy(), "maps": maps.numpy()})
    config = {"iterations": 60, "lr": 3e-3, "batch": 4, "patch": 0, "acceleration_low": 4.0,
              "acceleration_high": 8.0, "mask": "mixed", "channels": "8,8", "res_blocks": 1, "attention": False,
              "train_steps": 1000, "ema": 0.0, "checkpoint_every": 1000}
    loss = EpsLoss(DiscreteVP(1000), 1000)
    batch = Undersample(4, 8, "mixed")({k: torch.from_numpy(np.stack([it[k] for it in items])) for k in items[0]},
                                       torch.Generator().manual_seed(1))

    def score(net):
        with torch.no_grad():
            return float(np.mean([float(loss(net, batch, torch.Generator().manual_seed(s))) for s in range(8)]))

    before_net, _ = train(items, {**config, "iterations": 0}, "cpu", seed=0)
    after_net, history = train(items, config, "cpu", seed=0)
    assert score(after_net) < 0.6 * score(before_net)
    assert history and history[-1][0] == 60
