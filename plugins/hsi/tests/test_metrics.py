"""MPSNR, MSSIM, SAM and ERGAS against hand-computed values."""

import math

import numpy as np
import pytest
from denoisekit_hsi.metrics import ergas, mpsnr, mssim, sam_degrees


def test_mpsnr_averages_band_psnrs():
    ref = np.zeros((4, 4, 2))
    est = ref.copy()
    est[..., 0] += 0.1  # MSE 0.01 -> 20 dB
    est[..., 1] += 0.01  # MSE 1e-4 -> 40 dB
    assert mpsnr(est, ref, 1.0) == pytest.approx(30.0)


def test_sam_of_known_angles():
    ref = np.zeros((1, 2, 2))
    ref[0, :, 0] = 1.0
    est = ref.copy()
    est[0, 0] = [1.0, 1.0]  # 45 degrees
    est[0, 1] = [2.0, 0.0]  # same direction: 0 degrees
    assert sam_degrees(est, ref) == pytest.approx(22.5)


def test_ergas_of_a_known_error():
    ref = np.ones((3, 3, 2))
    ref[..., 1] = 2.0
    est = ref + 0.1  # RMSE 0.1 per band; means 1 and 2
    assert ergas(est, ref) == pytest.approx(100 * math.sqrt((0.1**2 + 0.05**2) / 2))


def test_mssim_matches_scikit_image_gaussian_ssim():
    from skimage.metrics import structural_similarity

    rng = np.random.default_rng(0)
    ref = rng.random((24, 20, 3))
    est = ref + 0.1 * rng.standard_normal(ref.shape)
    expected = np.mean([structural_similarity(ref[..., b], est[..., b], data_range=1.0, gaussian_weights=True,
                                              sigma=1.5, use_sample_covariance=False) for b in range(3)])
    assert mssim(est, ref, 1.0) == pytest.approx(expected, abs=1e-5)
    assert mssim(ref, ref, 1.0) == pytest.approx(1.0)


def test_the_band_axis_follows_axes():
    rng = np.random.default_rng(1)
    ref = rng.random((5, 6, 7)) + 0.5
    est = ref + 0.05 * rng.standard_normal(ref.shape)
    moved = np.moveaxis
    assert sam_degrees(moved(est, 2, 0), moved(ref, 2, 0), None, "CHW") == pytest.approx(sam_degrees(est, ref))
    assert mpsnr(moved(est, 2, 0), moved(ref, 2, 0), 1.0, "CHW") == pytest.approx(mpsnr(est, ref, 1.0))
