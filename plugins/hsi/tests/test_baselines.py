"""Wavelets, HySime, the DCT denoiser and the FastHyDe/HyRes/HyMiNoR-style baselines on small seeded cubes."""

import math

import numpy as np
import pytest
import torch
from denoisekit_hsi.dct_denoiser import dct_denoise, dct_matrix
from denoisekit_hsi.fasthyde import fasthyde
from denoisekit_hsi.hyminor import hyminor
from denoisekit_hsi.hyres import hyres, sure_soft_threshold
from denoisekit_hsi.hysime import estimate_noise, hysime
from denoisekit_hsi.metrics import mpsnr
from denoisekit_hsi.noise_sim import add_noise
from denoisekit_hsi.sample import aviris_bands, make_cube

from denoisekit.api import daubechies_lowpass, max_wavelet_levels, wavedec2, waverec2


@pytest.fixture(scope="module")
def clean():
    return torch.from_numpy(make_cube(48, 48, 40, seed=0))


def test_db2_filter_is_the_closed_form():
    s3 = math.sqrt(3)
    expected = np.array([1 + s3, 3 + s3, 3 - s3, 1 - s3]) / (4 * math.sqrt(2))
    np.testing.assert_allclose(daubechies_lowpass(2), expected, atol=1e-12)


@pytest.mark.parametrize("moments", [1, 2, 4])
def test_wavelet_transform_is_orthonormal(moments):
    x = torch.randn(2, 32, 48, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    approx, details = wavedec2(x, max_wavelet_levels(32, 48, moments), moments)
    energy = approx.square().sum() + sum(d.square().sum() for d in details)
    torch.testing.assert_close(energy, x.square().sum())
    torch.testing.assert_close(waverec2(approx, details, moments), x)


def test_dct_matrix_is_orthonormal():
    d = dct_matrix(8, dtype=torch.float64)
    torch.testing.assert_close(d @ d.T, torch.eye(8, dtype=torch.float64))


def test_sure_threshold_of_pure_noise_is_large_and_of_strong_signal_is_small():
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(1, 4000, generator=g, dtype=torch.float64)
    lam, _ = sure_soft_threshold(noise)
    assert float(lam) > 2.0  # pure noise: shrink (almost) everything
    signal = noise + 50.0
    lam, risk = sure_soft_threshold(signal)
    assert float(lam) < 1.0 and float(risk) == pytest.approx(4000, rel=0.1)  # keep: risk ~ n sigma^2


def test_aviris_bands_skip_water_absorption():
    bands = aviris_bands(100)
    assert len(bands.wavelength) == 100 and 395 < bands.wavelength[0] < 405
    assert not np.any((bands.wavelength > 1350) & (bands.wavelength < 1440))


def test_cube_is_deterministic_in_range_and_not_exactly_low_rank(clean):
    again = make_cube(48, 48, 40, seed=0)
    np.testing.assert_array_equal(clean.numpy(), again)
    assert float(clean.min()) == 0.0 and float(clean.max()) == 1.0
    s = torch.linalg.svdvals(clean.reshape(-1, 40).double())
    assert float(s[5] / s[0]) > 1e-4  # spectral variability: more than 5 components


def test_hysime_estimates_band_noise_and_the_subspace(clean):
    noisy = add_noise(clean, "non-iid", torch.Generator().manual_seed(1)).double()
    y = noisy.reshape(-1, 40).T
    true = (noisy - clean.double()).reshape(-1, 40).T.std(dim=1)
    est = estimate_noise(y).std(dim=1)
    assert float(((est - true).abs() / true).median()) < 0.1
    assert 3 <= hysime(y).k <= 10


@pytest.mark.parametrize("case, method, gain_db", [
    ("gaussian", lambda y: fasthyde(y), 15.0),
    ("non-iid", lambda y: fasthyde(y), 15.0),
    ("gaussian", lambda y: hyres(y), 12.0),
    ("mixed", lambda y: hyminor(y), 8.0),
    ("mixed", lambda y: hyminor(y, iterations=2, denoiser="fasthyde"), 15.0),
])
def test_baselines_gain_on_seeded_noise(clean, case, method, gain_db):
    noisy = add_noise(clean, case, torch.Generator().manual_seed(2))
    out = method(noisy)
    before, after = mpsnr(noisy.numpy(), clean.numpy(), 1.0), mpsnr(out.numpy(), clean.numpy(), 1.0)
    assert out.shape == clean.shape and after - before > gain_db, (before, after)


def test_whitening_beats_iid_mode_on_non_iid_noise(clean):
    noisy = add_noise(clean, "non-iid", torch.Generator().manual_seed(3))
    whitened = mpsnr(fasthyde(noisy).numpy(), clean.numpy(), 1.0)
    iid = mpsnr(fasthyde(noisy, iid=True).numpy(), clean.numpy(), 1.0)
    assert whitened > iid + 1.0


def test_dct_denoiser_reduces_noise_by_its_factor():
    g = torch.Generator().manual_seed(4)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 64), indexing="ij")
    img = (torch.sin(6 * xx) * torch.cos(4 * yy))[None]
    noisy = img + 0.1 * torch.randn(img.shape, generator=g)
    err = (dct_denoise(noisy, 0.1) - img).square().mean().sqrt()
    assert float(err) < 0.1 / 4


def test_fasthyde_streamed_from_an_envi_memmap_equals_in_memory(tmp_path, clean):
    from denoisekit_hsi.formats import read_envi, write_envi

    from denoisekit.api import Sample

    noisy = add_noise(clean, "non-iid", torch.Generator().manual_seed(6))
    write_envi(Sample(noisy.numpy(), "HWC", "envi", {"dtype": "<f4", "interleave": "bsq"}), tmp_path / "n.hdr")
    mapped = read_envi(tmp_path / "n.hdr").array
    assert isinstance(mapped.base, np.memmap) or isinstance(mapped, np.memmap)
    streamed = fasthyde(mapped, rows=7)
    np.testing.assert_allclose(streamed, fasthyde(noisy).numpy(), atol=1e-5)
