"""CT image-quality metrics on HU images, with the window stated in each name.

- ``ct_psnr`` / ``ct_ssim``: HU clipped to [-160, 240], data range 400 (the RED-CNN convention:
  Chen et al., IEEE TMI 36(12), 2017, and its public code).
- ``ct_psnr_brain`` / ``ct_ssim_brain``: the neuro window C40 / W80 ([0, 80] HU) mapped to [0, 1],
  data range 1 (the per-exam windows of ldct-benchmark, Eulig et al., Med. Phys. 2024).
- ``ct_noise_std``: the standard deviation (HU) of the estimate in the most uniform 32 x 32 window of
  the reference: among all windows whose reference values all exceed -500 HU (inside the body; all
  windows when none does), the one with the lowest reference standard deviation. Lower is better.

All are 2-D: a volume is cut into slices along its non-H/W axes and the per-slice values averaged.
PSNR and SSIM come from :mod:`denoisekit.metrics` (SSIM: 11-tap Gaussian window, sigma 1.5).
The ``data_range`` argument of the metric interface is ignored: each metric fixes its own.
"""

from __future__ import annotations

import numpy as np

from denoisekit.api import psnr, ssim

RED_CNN_WINDOW = (-160.0, 240.0)
BRAIN_WINDOW = (0.0, 80.0)  # centre 40, width 80
NOISE_WINDOW = 32
BODY_THRESHOLD_HU = -500.0


def slices_2d(array: np.ndarray, axes: str = "") -> np.ndarray:
    """(N, H, W) view of ``array``: every axis other than ``H`` and ``W`` becomes a slice index
    (with no ``axes``, the last two axes are the image)."""
    array = np.asarray(array)
    if axes and "H" in axes and "W" in axes:
        array = np.moveaxis(array, (axes.index("H"), axes.index("W")), (-2, -1))
    if array.ndim < 2:
        raise ValueError(f"CT metrics need 2-D slices, got shape {array.shape}")
    return array.reshape(-1, *array.shape[-2:])


def _windowed(fn, window: tuple[float, float], scale: float, data_range: float):
    low, high = window

    def metric(estimate: np.ndarray, reference: np.ndarray, _data_range: float | None = None, axes: str = "") -> float:
        est, ref = slices_2d(estimate, axes), slices_2d(reference, axes)
        if est.shape != ref.shape:
            raise ValueError(f"shapes differ: {np.shape(estimate)} vs {np.shape(reference)}")
        values = [fn((np.clip(e, low, high) - low) / scale, (np.clip(r, low, high) - low) / scale, data_range, "HW")
                  for e, r in zip(est.astype(np.float64), ref.astype(np.float64), strict=True)]
        return float(np.mean(values))

    return metric


ct_psnr = _windowed(psnr, RED_CNN_WINDOW, 1.0, 400.0)
ct_ssim = _windowed(ssim, RED_CNN_WINDOW, 1.0, 400.0)
ct_psnr_brain = _windowed(psnr, BRAIN_WINDOW, 80.0, 1.0)
ct_ssim_brain = _windowed(ssim, BRAIN_WINDOW, 80.0, 1.0)


def uniform_window(reference: np.ndarray, size: int = NOISE_WINDOW) -> tuple[slice, slice]:
    """The ``size`` x ``size`` window (clipped to the image) of lowest standard deviation of a 2-D
    ``reference`` among those inside the body (see the module docstring); summed-area tables."""
    ref = np.asarray(reference, dtype=np.float64)
    h, w = ref.shape
    kh, kw = min(size, h), min(size, w)

    def box_sums(a: np.ndarray) -> np.ndarray:
        c = np.pad(a, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        return c[kh:, kw:] - c[:-kh, kw:] - c[kh:, :-kw] + c[:-kh, :-kw]

    n = kh * kw
    mean = box_sums(ref) / n
    var = np.maximum(box_sums(ref**2) / n - mean**2, 0)
    inside = box_sums((ref > BODY_THRESHOLD_HU).astype(np.float64)) == n
    if inside.any():
        var = np.where(inside, var, np.inf)
    i, j = np.unravel_index(int(np.argmin(var)), var.shape)
    return slice(i, i + kh), slice(j, j + kw)


def ct_noise_std(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "") -> float:
    """Standard deviation of the estimate in the reference's most uniform window, averaged over slices."""
    est, ref = slices_2d(estimate, axes), slices_2d(reference, axes)
    if est.shape != ref.shape:
        raise ValueError(f"shapes differ: {np.shape(estimate)} vs {np.shape(reference)}")
    return float(np.mean([np.std(e[uniform_window(r)].astype(np.float64)) for e, r in zip(est, ref, strict=True)]))
