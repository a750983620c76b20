"""Image quality metrics on numpy arrays: PSNR, SSIM (2-D and 3-D), NMSE.

Data-range convention (docs/run-contract.md): ``data_range`` is the sample's stated range
(255 for 8-bit files, 65535 for 16-bit, a domain's window width for CT), else the reference's
``max - min``. Arrays are compared in float64; a ``C`` axis is treated as channels.
"""

from __future__ import annotations

import numpy as np


def _check(estimate: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if estimate.shape != reference.shape:
        raise ValueError(f"shapes differ: {estimate.shape} vs {reference.shape}")
    return np.asarray(estimate, dtype=np.float64), np.asarray(reference, dtype=np.float64)


def resolve_data_range(reference: np.ndarray, data_range: float | None) -> float:
    """The stated data range, else the reference's max - min (never zero)."""
    if data_range is None:
        data_range = float(np.max(reference) - np.min(reference))
    return float(data_range) if data_range > 0 else 1.0


def psnr(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "") -> float:
    """Peak signal-to-noise ratio in dB: 10 log10(range^2 / MSE); inf for identical arrays."""
    est, ref = _check(estimate, reference)
    mse = float(np.mean((est - ref) ** 2))
    rng = resolve_data_range(ref, data_range)
    return float("inf") if mse == 0 else 10.0 * np.log10(rng**2 / mse)


def nmse(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "") -> float:
    """Normalised MSE ||x - ref||^2 / ||ref||^2 (the fastMRI convention)."""
    est, ref = _check(estimate, reference)
    denom = float(np.sum(ref**2))
    return float(np.sum((est - ref) ** 2) / denom) if denom > 0 else float(np.sum((est - ref) ** 2))


def ssim(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "") -> float:
    """Structural similarity (Wang et al., IEEE TIP 2004): 11-tap Gaussian window, sigma 1.5,
    K1 = 0.01, K2 = 0.03, computed by MONAI's ``SSIMMetric``.

    2-D for ``HW``/``HWC``; 3-D for volumes whose every side is at least 11 voxels, otherwise
    the mean of the 2-D SSIM over the leading axis. ``axes`` names the array's axes (``C`` =
    channels); when empty, every axis is spatial.
    """
    import torch
    from monai.metrics.regression import SSIMMetric

    est, ref = _check(estimate, reference)
    rng = resolve_data_range(ref, data_range)
    axes = axes or "S" * est.ndim
    if "C" in axes:
        c = axes.index("C")
        est, ref = np.moveaxis(est, c, 0), np.moveaxis(ref, c, 0)
    else:
        est, ref = est[None], ref[None]
    spatial = est.shape[1:]
    if len(spatial) not in (2, 3):
        raise ValueError(f"SSIM needs 2-D or 3-D data, got spatial shape {spatial}")
    if min(spatial[-2:]) < 11:
        raise ValueError(f"SSIM needs at least 11 pixels per side, got {spatial}")
    if len(spatial) == 3 and min(spatial) < 11:
        # too thin for a 3-D window: slices along the first spatial axis become the batch
        est, ref = np.moveaxis(est, 1, 0), np.moveaxis(ref, 1, 0)
        spatial = spatial[1:]
    else:
        est, ref = est[None], ref[None]
    metric = SSIMMetric(spatial_dims=len(spatial), data_range=rng, win_size=11, kernel_sigma=1.5)
    value = metric(torch.from_numpy(est), torch.from_numpy(ref))
    return float(value.mean())
