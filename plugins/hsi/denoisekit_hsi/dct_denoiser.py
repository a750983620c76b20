"""A GPU image denoiser for known Gaussian noise: sliding-window 2-D DCT shrinkage in two stages.

Stage 1 hard-thresholds the DCT coefficients of every overlapping p x p patch at ``threshold * sigma``
(Yu & Sapiro, "DCT image denoising: a simple and effective image denoising algorithm", IPOL 2011);
stage 2 applies the empirical Wiener shrinkage |P|^2 / (|P|^2 + sigma^2) with the stage-1 result P as
pilot, as BM3D's second step does (Dabov et al., IEEE TIP 16(8), 2007, Sec. III-B) but without block
matching. Patches are aggregated with BM3D's weights (1 / number of kept coefficients, 1 / sum of
squared Wiener gains). All patches of an image are processed at once with ``unfold``/``fold``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def dct_matrix(p: int, device: torch.device | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The orthonormal DCT-II matrix (p, p): row k is the k-th cosine."""
    n = torch.arange(p, dtype=torch.float64)
    m = torch.cos(math.pi * (n[None, :] + 0.5) * n[:, None] / p) * math.sqrt(2.0 / p)
    m[0] /= math.sqrt(2.0)
    return m.to(device=device, dtype=dtype)


def _patches(x: torch.Tensor, p: int) -> torch.Tensor:
    """(L, p, p) all overlapping patches of a padded 2-D image."""
    return F.unfold(x[None, None], p).squeeze(0).T.reshape(-1, p, p)


def _aggregate(patches: torch.Tensor, weights: torch.Tensor, size: tuple[int, int], p: int) -> torch.Tensor:
    cols = (patches * weights[:, None, None]).reshape(-1, p * p).T[None]
    num = F.fold(cols, size, p)[0, 0]
    den = F.fold(weights.expand(p * p, -1)[None], size, p)[0, 0]
    return num / den


def _denoise_one(y: torch.Tensor, sigma: float, p: int, threshold: float, wiener: bool) -> torch.Tensor:
    h, w = y.shape
    pad = p - 1
    yp = F.pad(y[None, None], (pad, pad, pad, pad), mode="reflect")[0, 0]
    size = (yp.shape[0], yp.shape[1])
    d = dct_matrix(p, y.device, y.dtype)
    coeffs = d @ _patches(yp, p) @ d.T
    keep = coeffs.abs() > threshold * sigma
    keep[:, 0, 0] = True
    basic = coeffs * keep
    est = _aggregate(d.T @ basic @ d, 1.0 / keep.sum(dim=(1, 2)).to(y.dtype), size, p)
    if wiener:
        pilot = d @ _patches(est, p) @ d.T
        gain = pilot.square() / (pilot.square() + sigma**2)
        est = _aggregate(d.T @ (gain * coeffs) @ d, 1.0 / gain.square().sum(dim=(1, 2)).clamp(min=1e-12), size, p)
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
