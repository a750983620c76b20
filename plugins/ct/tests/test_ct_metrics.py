"""CT metrics: known answers for the windows, the slice averaging and the uniform-region noise."""

from __future__ import annotations

import numpy as np
import pytest
from denoisekit_ct.ct_metrics import ct_noise_std, ct_psnr, ct_psnr_brain, ct_ssim, ct_ssim_brain, uniform_window


@pytest.fixture
def reference() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.uniform(-100, 200, (64, 64)).astype(np.float32)  # inside the [-160, 240] window


def test_psnr_red_cnn_window_known_answer(reference):
    """A uniform +10 HU error: 20 log10(400 / 10) = 32.04 dB."""
    assert ct_psnr(reference + 10, reference) == pytest.approx(20 * np.log10(40), abs=1e-6)


def test_values_outside_the_window_are_clipped(reference):
    est = reference.copy()
    est[0, 0], ref = 3000.0, reference.copy()
    ref[0, 0] = 240.0
    assert ct_psnr(est, ref) == float("inf")  # 3000 HU and 240 HU are the same after clipping
    assert ct_ssim(est, ref) == pytest.approx(1.0)


def test_brain_window_known_answer():
    ref = np.full((32, 32), 40.0)
    est = ref + 8.0  # 8 HU of an 80 HU window: 0.1 on [0, 1]
    assert ct_psnr_brain(est, ref) == pytest.approx(20.0, abs=1e-6)
    assert ct_psnr_brain(ref + 500, ref + 400) == float("inf")  # both above the window
    assert ct_ssim_brain(ref, ref) == pytest.approx(1.0)


def test_volumes_average_their_slices(reference):
    vol_ref = np.stack([reference, reference])
    vol_est = np.stack([reference + 10, reference + 20])
    expected = (ct_psnr(reference + 10, reference) + ct_psnr(reference + 20, reference)) / 2
    assert ct_psnr(vol_est, vol_ref, None, "DHW") == pytest.approx(expected)
    hwd = np.moveaxis(vol_est, 0, -1), np.moveaxis(vol_ref, 0, -1)
    assert ct_psnr(*hwd, None, "HWD") == pytest.approx(expected)


def test_noise_std_in_the_most_uniform_region():
    """Reference: air around a textured body holding one flat 40 x 40 square; the estimate adds
    noise of std 5 there and 50 elsewhere: ct_noise_std reads about 5."""
    rng = np.random.default_rng(1)
    ref = np.full((128, 128), -1000.0)
    ref[16:112, 16:112] = rng.normal(40, 30, (96, 96))
    ref[60:100, 30:70] = 40.0
    noise = rng.normal(0, 50, ref.shape)
    noise[60:100, 30:70] = rng.normal(0, 5, (40, 40))
    rows, cols = uniform_window(ref)
    assert 60 <= rows.start and rows.stop <= 100 and 30 <= cols.start and cols.stop <= 70
    assert ct_noise_std(ref + noise, ref) == pytest.approx(5.0, rel=0.15)
