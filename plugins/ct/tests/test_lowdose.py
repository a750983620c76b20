"""Low-dose simulation: noise that scales like 1 / sqrt(I0), determinism, noise-free limit."""

from __future__ import annotations

import numpy as np
import pytest
from denoisekit_ct.lowdose import simulate_doses, simulate_low_dose

N = 64


@pytest.fixture(scope="module")
def water_disc() -> np.ndarray:
    """A 64 x 64 slice: a water disc (0 HU) of radius 24 pixels in air (-1000 HU)."""
    c = np.arange(N) - (N - 1) / 2
    return np.where(c[None] ** 2 + c[:, None] ** 2 < 24**2, 0.0, -1000.0).astype(np.float32)


def _inner(n: int = N, radius: float = 16) -> np.ndarray:
    c = np.arange(n) - (n - 1) / 2
    return c[None] ** 2 + c[:, None] ** 2 < radius**2


def test_noise_std_scales_as_inverse_sqrt_i0(water_disc):
    """Quantum noise only (sigma_e = 0): std(I0 / 4) / std(I0) = 2 and std(I0 / 16) / std(I0) = 4 within 10 %
    (one 64 x 64 realisation each, about 800 pixels in the disc; measured 2.02 and 4.05)."""
    doses = simulate_doses(water_disc, (4e6, 1e6, 2.5e5), electronic_sigma=0.0, views=90, pixel_size=1.0, seed=3)
    stds = [float(np.std((d - water_disc)[_inner()])) for d in doses]
    assert 1.8 < stds[1] / stds[0] < 2.2
    assert 3.6 < stds[2] / stds[0] < 4.4


def test_electronic_noise_adds_noise(water_disc):
    low = simulate_low_dose(water_disc, 2e3, electronic_sigma=0.0, views=90, pixel_size=1.0, seed=1)
    more = simulate_low_dose(water_disc, 2e3, electronic_sigma=20.0, views=90, pixel_size=1.0, seed=1)
    inner = _inner()
    assert np.std((more - water_disc)[inner]) > 1.1 * np.std((low - water_disc)[inner])


def test_same_seed_same_result_and_shapes(water_disc):
    volume = np.stack([water_disc, water_disc + 50])
    a = simulate_low_dose(volume, 1e5, views=60, pixel_size=1.0, seed=7)
    b = simulate_low_dose(volume, 1e5, views=60, pixel_size=1.0, seed=7)
    assert a.shape == volume.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, simulate_low_dose(volume, 1e5, views=60, pixel_size=1.0, seed=8))


def test_reconstruction_mode_returns_the_slice_at_high_dose(water_disc):
    """insert_noise=False reconstructs the noisy sinogram: at I0 = 1e9 the water inside reads 0 +- 10 HU."""
    rec = simulate_low_dose(water_disc, 1e9, electronic_sigma=0.0, views=180, pixel_size=1.0, insert_noise=False,
                            filter="ramp")
    assert abs(float(np.mean(rec[_inner()]))) < 10
    assert float(np.mean(rec[~_inner(radius=28)])) == pytest.approx(-1000, abs=30)


def test_bad_arguments(water_disc):
    with pytest.raises(ValueError):
        simulate_low_dose(water_disc, 0.0)
    with pytest.raises(ValueError):
        simulate_low_dose(water_disc[0], 1e5)
