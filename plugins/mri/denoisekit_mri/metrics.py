"""Reconstruction metrics with the conventions of fastMRI's ``evaluate.py`` (Zbontar et al.,
arXiv:1811.08839, and its evaluate.py): magnitude images compared per volume, data range = the reference volume's
maximum; SSIM per slice with a 7x7 uniform window, K1 = 0.01, K2 = 0.03 and the sample covariance
(Wang et al., IEEE TIP 13(4), 2004, with a uniform window), averaged over the slices.

The functions take ``(estimate, reference, data_range, axes)`` as every metric does; the fastMRI
convention fixes the range, so ``data_range`` is not used.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter


def _volumes(estimate: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if estimate.shape != reference.shape:
        raise ValueError(f"shapes differ: {estimate.shape} vs {reference.shape}")
    est, ref = np.abs(np.asarray(estimate)).astype(np.float64), np.abs(np.asarray(reference)).astype(np.float64)
    return (est[None], ref[None]) if est.ndim == 2 else (est.reshape(-1, *est.shape[-2:]),
                                                         ref.reshape(-1, *ref.shape[-2:]))


def mri_nmse(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "") -> float:
    """||ref - est||^2 / ||ref||^2 over the volume."""
    est, ref = _volumes(estimate, reference)
    return float(np.sum((ref - est) ** 2) / np.sum(ref**2))


def mri_psnr(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "") -> float:
    """10 log10(max(ref)^2 / MSE) over the volume, in dB."""
    est, ref = _volumes(estimate, reference)
    mse = float(np.mean((ref - est) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(ref.max() ** 2 / mse))


def ssim_slice(x: np.ndarray, y: np.ndarray, data_range: float, window: int = 7) -> float:
    """Mean SSIM of two 2-D images over the positions where the window fits entirely."""
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    n = window * window
    cov = n / (n - 1)
    ux, uy = uniform_filter(x, window), uniform_filter(y, window)
    vx = cov * (uniform_filter(x * x, window) - ux * ux)
    vy = cov * (uniform_filter(y * y, window) - uy * uy)
    vxy = cov * (uniform_filter(x * y, window) - ux * uy)
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    pad = (window - 1) // 2
    return float(s[pad:-pad, pad:-pad].mean())


def mri_ssim(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "") -> float:
    """SSIM per slice (7x7 uniform window, range = the reference volume's max), averaged over the slices."""
    est, ref = _volumes(estimate, reference)
    peak = float(ref.max())
    return float(np.mean([ssim_slice(r, e, peak) for r, e in zip(ref, est, strict=True)]))
