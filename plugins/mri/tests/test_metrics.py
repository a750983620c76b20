"""fastMRI metric conventions: range = the reference volume's max, SSIM per slice with a 7x7 uniform window
(checked against scikit-image's structural_similarity, the function fastMRI's evaluate.py calls)."""

from __future__ import annotations

import numpy as np
import pytest
from denoisekit_mri.metrics import mri_nmse, mri_psnr, mri_ssim


def _pair(seed=0):
    rng = np.random.default_rng(seed)
    ref = (0.5 + rng.random((3, 40, 36))) * np.linspace(0.2, 2.0, 3)[:, None, None]
    return ref + 0.02 * rng.standard_normal(ref.shape), ref  # stays positive: magnitudes are the values


def test_psnr_and_nmse_known_answers():
    ref = np.zeros((2, 8, 8))
    ref[0, 0, 0] = 4.0
    est = ref.copy()
    est[1] += 0.5  # MSE = 64 * 0.25 / 128 = 0.125
    assert mri_psnr(est, ref) == pytest.approx(10 * np.log10(16 / 0.125))
    assert mri_nmse(est, ref) == pytest.approx(64 * 0.25 / 16)
    assert mri_psnr(ref, ref) == float("inf")


def test_ssim_matches_scikit_image_per_slice():
    metrics = pytest.importorskip("skimage.metrics")
    est, ref = _pair()
    peak = ref.max()
    expected = np.mean([metrics.structural_similarity(r, e, data_range=peak) for r, e in zip(ref, est, strict=True)])
    assert mri_ssim(est, ref) == pytest.approx(expected, rel=1e-9)


def test_metrics_use_magnitudes_and_order_estimates():
    est, ref = _pair()
    far = ref + 0.3 * np.random.default_rng(1).standard_normal(ref.shape)
    assert mri_ssim(est, ref) > mri_ssim(far, ref) and mri_psnr(est, ref) > mri_psnr(far, ref)
    assert mri_nmse(est, ref) < mri_nmse(far, ref)
    assert mri_psnr(-ref * np.exp(0.3j), ref) > 250  # a phase does not count (rounding only)
