"""A GPU image denoiser for known Gaussian noise: sliding-window 2-D DCT shrinkage in two stages.

Stage 1 hard-thresholds the DCT coefficients of every overlapping p x p patch at ``threshold * sigma``
(Yu & Sapiro, "DCT image denoising: a simple and effective image denoising algorithm", IPOL 2011);
stage 2 applies the empirical Wiener shrinkage |P|^2 / (|P|^2 + sigma^2) with the stage-1 result P as
pilot, as BM3D's second step does (Dabov et al., IEEE TIP 16(8), 2007, Sec. III-B) but without block
matching. Patches are aggregated with BM3D's weights (1 / number of kept coefficients, 1 / sum of
squared Wiener gains). The patches are processed with ``unfold``/``fold`` in strips of rows (of some
8 MB of coefficients), so a large image needs little more memory than a small one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
import torch.nn.functional as F


def dct_matrix(p: int, device: torch.device | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The orthonormal DCT-II matrix (p, p): row k is the k-th cosine."""
    n = torch.arange(p, dtype=torch.float64)
    m = torch.cos(math.pi * (n[None, :] + 0.5) * n[:, None] / p) * math.sqrt(2.0 / p)
    m[0] /= math.sqrt(2.0)
    return m.to(device=device, dtype=dtype)


PATCH_VALUES = 1 << 21  # DCT coefficients (8 MB in float32) handled at a time: the patches go in strips of rows


def _patches(x: torch.Tensor, p: int) -> torch.Tensor:
    """(L, p, p) all overlapping patches of a padded 2-D image."""
    return F.unfold(x[None, None], p).squeeze(0).T.reshape(-1, p, p)


def _strips(height: int, width: int, p: int) -> Iterator[slice]:
    """Image rows of consecutive strips of patch rows (each strip's patches hold at most :data:`PATCH_VALUES`
    coefficients, and neighbouring strips share p - 1 image rows)."""
    origins = height - p + 1
    step = max(1, PATCH_VALUES // ((width - p + 1) * p * p))
    for start in range(0, origins, step):
        yield slice(start, min(start + step, origins) + p - 1)


def _shrink(yp: torch.Tensor, pilot: torch.Tensor | None, sigma: float, p: int, threshold: float) -> torch.Tensor:
    """One stage over the padded image ``yp``: hard thresholding (``pilot`` None) or Wiener shrinkage with the
    ``pilot`` estimate, strip by strip; the patches' weighted sum and weights are accumulated over the strips,
    then divided (BM3D's aggregation)."""
    d = dct_matrix(p, yp.device, yp.dtype)
    num, den = torch.zeros_like(yp), torch.zeros_like(yp)
    for rows in _strips(yp.shape[0], yp.shape[1], p):
        coeffs = d @ _patches(yp[rows], p) @ d.T
        if pilot is None:
            keep = coeffs.abs() > threshold * sigma
            keep[:, 0, 0] = True
            shrunk, weights = coeffs * keep, 1.0 / keep.sum(dim=(1, 2)).to(yp.dtype)
        else:
            guide = (d @ _patches(pilot[rows], p) @ d.T).square()
            gain = guide / (guide + sigma**2)
            shrunk, weights = gain * coeffs, 1.0 / gain.square().sum(dim=(1, 2)).clamp(min=1e-12)
        size = (rows.stop - rows.start, yp.shape[1])
        cols = ((d.T @ shrunk @ d) * weights[:, None, None]).reshape(-1, p * p).T[None]
        num[rows] += F.fold(cols, size, p)[0, 0]
        den[rows] += F.fold(weights.expand(p * p, -1)[None], size, p)[0, 0]
    return num / den


def _denoise_one(y: torch.Tensor, sigma: float, p: int, threshold: float, wiener: bool) -> torch.Tensor:
    h, w = y.shape
    pad = p - 1
    yp = F.pad(y[None, None], (pad, pad, pad, pad), mode="reflect")[0, 0]
    est = _shrink(yp, None, sigma, p, threshold)
    if wiener:
        est = _shrink(yp, est, sigma, p, threshold)
    return est[pad:pad + h, pad:pad + w]


def dct_denoise(images: torch.Tensor, sigma: torch.Tensor | float, patch: int = 8, threshold: float = 2.7,
                wiener: bool = True) -> torch.Tensor:
    """Denoise ``images`` (N, H, W), each with its own noise std ``sigma`` (scalar or (N,))."""
    sig = torch.as_tensor(sigma, dtype=images.dtype).expand(images.shape[0])
    p = min(patch, images.shape[-2], images.shape[-1])
    out = torch.empty_like(images)
    for i in range(images.shape[0]):
        out[i] = _denoise_one(images[i], float(sig[i]), p, threshold, wiener)
    return out
