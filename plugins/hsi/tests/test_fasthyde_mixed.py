"""The mixed-noise FastHyDe: stuck-value detection, subspace inpainting, destriping, and its gain."""

import pytest
import torch
from denoisekit_hsi.fasthyde_mixed import column_offsets, fasthyde_mixed, stuck_value_mask, weighted_coefficients
from denoisekit_hsi.metrics import mpsnr, sam_degrees
from denoisekit_hsi.noise_sim import add_noise
from denoisekit_hsi.sample import make_cube


def test_stuck_values_are_the_repeated_exact_values():
    g = torch.Generator().manual_seed(0)
    cube = torch.rand(20, 20, 3, generator=g)
    cube[::3, :, 1] = 0.0  # 7 dead rows of 20 pixels: 35 % of the band
    cube[5, 5, 2] = 1.0  # one value, not repeated
    mask = stuck_value_mask(cube, 0.01)
    assert torch.equal(mask[:, :, 1], cube[:, :, 1] == 0.0)
    assert not mask[:, :, 0].any() and not mask[:, :, 2].any()


def test_weighted_coefficients_ignore_missing_entries():
    g = torch.Generator().manual_seed(1)
    basis, _ = torch.linalg.qr(torch.randn(30, 4, generator=g, dtype=torch.float64))
    z = torch.randn(50, 4, generator=g, dtype=torch.float64)
    y = z @ basis.T
    observed = torch.rand(50, 30, generator=g) > 0.4
    corrupted = torch.where(observed, y, torch.tensor(1e3, dtype=torch.float64))
    torch.testing.assert_close(weighted_coefficients(corrupted, observed, basis, ridge=0.0), z)


def test_column_offsets_keep_only_significant_stripes():
    g = torch.Generator().manual_seed(2)
    residual = 0.1 * torch.randn(400, 6, 2, generator=g)
    residual[:, 3, 1] += 0.05  # 0.05 >> 3 * 1.25 * 0.1 / sqrt(400) = 0.019
    offsets = column_offsets(residual, torch.zeros_like(residual, dtype=torch.bool), torch.tensor([0.1, 0.1]))
    assert offsets[3, 1] == pytest.approx(0.05, abs=0.01)
    assert int((offsets != 0).sum()) <= 2  # at most one false detection among 11 clean columns (p ~ 0.003 each)


def test_mixed_noise_gain_and_spectral_angle():
    clean = make_cube(48, 48, 40, seed=0)
    noisy = add_noise(torch.from_numpy(clean), "mixed", torch.Generator().manual_seed(2))
    info = {}
    out = fasthyde_mixed(noisy, iterations=2, info=info).numpy()
    before, after = mpsnr(noisy.numpy(), clean, 1.0), mpsnr(out, clean, 1.0)
    assert after - before > 15.0, (before, after)
    assert sam_degrees(out, clean) < sam_degrees(noisy.numpy(), clean) / 5
    assert info["stuck_fraction"] > 0.1  # the impulse and dead-line entries
