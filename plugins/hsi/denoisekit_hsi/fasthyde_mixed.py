"""FastHyDe for mixed noise: Gaussian plus stripes, dead lines and impulses, in torch.

Three ideas on top of :mod:`denoisekit_hsi.fasthyde`:

1. **Stuck values are missing data.** Impulse (salt-and-pepper) pixels and dead lines take a few exact
   values (the sensor's saturation or zero) that continuous noise never repeats: per band, every value
   that occurs in more than ``min_fraction`` of the pixels is marked missing.
2. **Inpainting in the subspace** (FastHyIe, Zhuang & Bioucas-Dias, IEEE JSTARS 11(3), 2018, Sec. IV):
   each pixel's subspace coefficients are the weighted least-squares fit z_p = (E^T W_p E)^-1 E^T W_p y_p
   over its observed bands only, then the eigen-images are denoised as in FastHyDe.
3. **Residual outliers and stripes** (the l1 sparse-noise model Y = X + S + N of HyMiNoR / L1HyMixDe,
   solved by detection rather than soft thresholding): after each pass, entries whose residual exceeds
   ``kappa`` sigma_b join the missing set, and each band's column offset (the median of the residual
   down the column) is removed where it is significant (larger than 3 times its standard error).

The noise std per band comes from HySime's regression first, then from the median absolute residual of
the observed entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import torch

from denoisekit.api import mad_std
from denoisekit_hsi.dct_denoiser import dct_denoise
from denoisekit_hsi.hysime import band_noise_std, hysime

T = TypeVar("T")
MEDIAN_STD_FACTOR = 1.2533  # std of a sample median / std of a sample mean, Gaussian data
_CHUNK = 1 << 16  # pixels per batched solve


def stuck_value_mask(cube: torch.Tensor, min_fraction: float = 0.01) -> torch.Tensor:
    """(H, W, B) bool: entries whose exact value occurs in more than ``min_fraction`` of their band's pixels."""
    h, w, b = cube.shape
    flat = cube.reshape(-1, b)
    mask = torch.zeros_like(flat, dtype=torch.bool)
    limit = max(min_fraction * flat.shape[0], 2)
    for j in range(b):
        values, counts = torch.unique(flat[:, j], return_counts=True)
        stuck = values[counts > limit]
        if stuck.numel():
            mask[:, j] = torch.isin(flat[:, j], stuck)
    return mask.reshape(h, w, b)


def weighted_coefficients(y: torch.Tensor, observed: torch.Tensor, basis: torch.Tensor,
                          ridge: float = 1e-6) -> torch.Tensor:
    """(P, k) per-pixel least-squares coefficients of ``y`` (P, B) on ``basis`` (B, k) over the observed
    entries (``observed`` (P, B) bool)."""
    k = basis.shape[1]
    eye = ridge * torch.eye(k, device=y.device, dtype=y.dtype)
    out = torch.empty(y.shape[0], k, device=y.device, dtype=y.dtype)
    for start in range(0, y.shape[0], _CHUNK):
        part = slice(start, start + _CHUNK)
        w = observed[part].to(y.dtype)
        weighted = w[:, :, None] * basis[None]  # (p, B, k)
        gram = weighted.transpose(1, 2) @ basis + eye
        rhs = (weighted * torch.where(observed[part], y[part], 0.0)[:, :, None]).sum(dim=1)
        out[part] = torch.linalg.solve(gram, rhs)
    return out


def column_offsets(residual: torch.Tensor, missing: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """(W, B) significant per-column offsets: the median of ``residual`` (H, W, B) down each column over
    observed entries, kept where it exceeds 3 standard errors of a median of Gaussian noise."""
    med = torch.nan_to_num(torch.where(missing, torch.nan, residual).nanmedian(dim=0).values)
    count = (~missing).sum(dim=0).clamp(min=1).to(residual.dtype)
    return torch.where(med.abs() > 3 * MEDIAN_STD_FACTOR * sigma / count.sqrt(), med, 0.0)


def fasthyde_mixed(cube: torch.Tensor, iterations: int = 4, kappa: float = 3.5, k: int = 0,
                   min_fraction: float = 0.01, destripe: bool = True, patch: int = 8, threshold: float = 2.7,
                   wiener: bool = True, progress: Callable[[Iterable[T], str], Iterable[T]] | None = None,
                   info: dict | None = None) -> torch.Tensor:
    """Denoise ``cube`` (H, W, B) hit by Gaussian and sparse noise (see the module docstring)."""
    h, w, b = cube.shape
    y = cube.reshape(-1, b)
    stuck = stuck_value_mask(cube, min_fraction).reshape(-1, b)
    missing = stuck
    band_median = torch.where(missing, torch.nan, y).nanmedian(dim=0).values.nan_to_num()
    filled = torch.where(missing, band_median, y)
    sigma = band_noise_std(filled.T)
    floor = 1e-6 * float((y.max() - y.min()).clamp(min=1e-12))
    offsets = torch.zeros(w, b, device=cube.device, dtype=cube.dtype)
    steps = range(iterations + 1)
    for step in progress(steps, "fasthyde-mixed: passes") if progress else steps:
        basis = hysime((filled / sigma).T, k=k or None).basis
        destriped = (y.reshape(h, w, b) - offsets).reshape(-1, b)
        coeffs = weighted_coefficients(destriped / sigma, ~missing, basis)
        eigen = dct_denoise(coeffs.T.reshape(-1, h, w), 1.0, patch, threshold, wiener)
        x = (eigen.reshape(basis.shape[1], -1).T @ basis.T) * sigma
        if step == iterations:
            break
        residual = (y - x).reshape(h, w, b)
        if destripe:
            offsets = column_offsets(residual, missing.reshape(h, w, b), sigma)
        residual = (residual - offsets).reshape(-1, b)
        sigma = mad_std(torch.where(missing, torch.nan, residual), dim=0).nan_to_num(floor).clamp(min=floor)
        missing = stuck | (residual.abs() > kappa * sigma)
        filled = torch.where(missing, x, destriped)
    if info is not None:
        info.update(subspace_dimension=basis.shape[1], stuck_fraction=float(stuck.float().mean()),
                    missing_fraction=float(missing.float().mean()),
                    striped_columns=int((offsets != 0).sum()), noise_std_mean=float(sigma.mean()))
    return x.reshape(h, w, b)
