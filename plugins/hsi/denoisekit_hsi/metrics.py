"""Hyperspectral quality metrics on numpy cubes (H, W, B): MPSNR, MSSIM, SAM (degrees), ERGAS.

Conventions (docs/domains/hsi.md):

- The spectral axis is the ``C`` axis of ``axes`` (``HWC`` for this plugin's cubes); with no ``C`` the
  last axis is taken as the spectral one (a 2-D array is then a set of rows of spectra).
- MPSNR = (1/B) sum_b 10 log10(MAX^2 / MSE_b). MAX is ``data_range`` when given, else the reference's
  max - min over the whole cube (1 for cubes scaled to [0, 1], the usual convention).
- MSSIM = (1/B) sum_b SSIM(X_b, X^_b) with Wang et al.'s (IEEE TIP 2004) 11x11 Gaussian window,
  sigma 1.5, K1 = 0.01, K2 = 0.03, averaged over the window positions inside the image (the core's
  ``ssim`` with each band as a channel). scikit-image's default (7x7 uniform window) gives other values.
- SAM = mean over pixels of arccos(<x, x^> / (|x| |x^|)), in degrees; a pixel whose two spectra are
  both zero counts 0, one zero spectrum against a non-zero one counts 90.
- ERGAS = 100 sqrt((1/B) sum_b (RMSE_b / mu_b)^2), mu_b the reference's band mean (resolution ratio 1).
"""

from __future__ import annotations

import numpy as np

from denoisekit.api import resolve_data_range, ssim


def _spectral_last(estimate: np.ndarray, reference: np.ndarray, axes: str) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays as float64 (pixels, B) with the spectral axis last."""
    if estimate.shape != reference.shape:
        raise ValueError(f"shapes differ: {estimate.shape} vs {reference.shape}")
    est, ref = np.asarray(estimate, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if ref.ndim < 2:
        raise ValueError(f"a hyperspectral metric needs at least 2 axes, got shape {ref.shape}")
    c = axes.index("C") if "C" in axes else ref.ndim - 1
    est, ref = np.moveaxis(est, c, -1), np.moveaxis(ref, c, -1)
    return est.reshape(-1, est.shape[-1]), ref.reshape(-1, ref.shape[-1])


def mpsnr(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "HWC") -> float:
    """Mean over bands of the PSNR in dB (inf when every band is exact)."""
    est, ref = _spectral_last(estimate, reference, axes)
    peak = resolve_data_range(ref, data_range)
    mse = np.mean((est - ref) ** 2, axis=0)
    with np.errstate(divide="ignore"):
        return float(np.mean(10.0 * np.log10(peak**2 / mse)))


def mssim(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "HWC") -> float:
    """Mean over bands of the 2-D SSIM (11x11 Gaussian window, sigma 1.5)."""
    if reference.ndim == 3 and "C" not in axes:
        axes = "HWC"
    return ssim(estimate, reference, data_range, axes if reference.ndim == 3 else "HW")


def sam_degrees(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None,
                axes: str = "HWC") -> float:
    """Mean spectral angle in degrees between the estimate's and the reference's pixel spectra."""
    est, ref = _spectral_last(estimate, reference, axes)
    dot = np.sum(est * ref, axis=1)
    norms = np.linalg.norm(est, axis=1) * np.linalg.norm(ref, axis=1)
    both_zero = (np.linalg.norm(est, axis=1) == 0) & (np.linalg.norm(ref, axis=1) == 0)
    cos = np.where(norms > 0, dot / np.where(norms > 0, norms, 1.0), np.where(both_zero, 1.0, 0.0))
    return float(np.degrees(np.mean(np.arccos(np.clip(cos, -1.0, 1.0)))))


def ergas(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "HWC") -> float:
    """Relative dimensionless global error (Wald 2002) with resolution ratio 1: lower is better."""
    est, ref = _spectral_last(estimate, reference, axes)
    rmse = np.sqrt(np.mean((est - ref) ** 2, axis=0))
    mean = np.abs(np.mean(ref, axis=0))
    ratio = rmse / np.where(mean > 0, mean, np.finfo(np.float64).tiny)
    return float(100.0 * np.sqrt(np.mean(ratio**2)))
