"""HyDe-convention noise simulation: shapes, seeds and the statistics each case promises."""

import math

import pytest
import torch
from denoisekit_hsi.noise_sim import CASES, HSINoise, add_noise, dead_lines, gaussian_non_iid, impulse, poisson, stripes


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("case", CASES)
def test_every_case_is_seeded_and_keeps_shape(case):
    x = torch.rand(2, 16, 20, 12, generator=_gen(5))
    a, b = add_noise(x, case, _gen()), add_noise(x, case, _gen())
    assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, x)
    assert add_noise(x[0], case, _gen()).shape == x[0].shape


def test_non_iid_band_sigmas_are_uniform_below_the_maximum():
    x = torch.zeros(1, 64, 64, 400)
    std = (gaussian_non_iid(x, 0.1, _gen()) - x).std(dim=(1, 2))[0]
    assert float(std.max()) < 0.1 * 1.05
    assert abs(float(std.mean()) - 0.05) < 0.005  # mean of U(0, 0.1)


def test_poisson_reaches_the_requested_snr():
    x = torch.rand(64, 64, 10, generator=_gen(1)) + 0.1
    y = poisson(x, 15.0, _gen())
    snr = 10 * math.log10(float(x.square().sum() / (y - x).square().sum()))
    assert abs(snr - 15.0) < 0.2


def test_stripes_and_dead_lines_hit_whole_columns_of_a_third_of_the_bands():
    x = torch.rand(1, 32, 100, 30, generator=_gen(2)) + 1.0
    s = stripes(x, _gen()) - x
    touched_bands = (s.abs() > 0).any(dim=(1, 2))[0]
    assert int(touched_bands.sum()) <= 10 and int(touched_bands.sum()) >= 9  # offsets can be ~0 rarely
    assert torch.allclose(s, s[:, :1].expand_as(s), atol=1e-6)  # constant along each column
    assert float(s.abs().max()) <= 0.25
    d = dead_lines(x, _gen())
    dead = (d == 0).all(dim=1)[0]  # (W, B)
    per_band = dead.sum(dim=0)
    assert int((per_band > 0).sum()) == 10 and int(per_band.max()) <= 15 and int(per_band[per_band > 0].min()) >= 5


def test_impulse_sets_pixels_to_zero_or_one_on_a_third_of_the_bands():
    x = torch.full((1, 40, 40, 30), 0.5)
    y = impulse(x, _gen())
    changed = y != x
    assert set(torch.unique(y[changed]).tolist()) <= {0.0, 1.0}
    bands = changed.any(dim=(1, 2))[0]
    assert int(bands.sum()) == 10
    amounts = changed.float().mean(dim=(1, 2))[0][bands]
    assert float(amounts.min()) > 0.05 and float(amounts.max()) < 0.75


def test_noise_model_wrapper_matches_add_noise():
    x = torch.rand(8, 8, 6, generator=_gen(3))
    assert torch.equal(HSINoise("stripes").sample(x, _gen()), add_noise(x, "stripes", _gen()))
    with pytest.raises(ValueError, match="unknown noise case"):
        add_noise(x, "speckle", _gen())
