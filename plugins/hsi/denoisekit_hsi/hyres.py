"""HyRes-style denoising (Rasti, Ulfarsson & Ghamisi, "Automatic hyperspectral image restoration using
sparse and low-rank modeling", IEEE GRSL 14(12), 2017), in torch.

Model Y = D W V^T + N (eq. 1): D an orthonormal 2-D wavelet basis, V (B x r) an orthonormal spectral
basis, W sparse. After noise whitening, V comes from the SVD of Y (eq. 4) and each eigen-image's
wavelet detail coefficients are soft-thresholded (the l1 penalty's solution, eq. 5). Each threshold
lambda_i and the rank r minimise Stein's unbiased risk estimate (eqs. 7-9): for soft thresholding at
lambda with unit noise, SURE = n - 2 #{|c| <= lambda} + sum min(c^2, lambda^2) (Donoho & Johnstone,
JASA 1995); an eigen-image left out costs ||z_i||^2 - P (the unbiased estimate of its clean energy).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from denoisekit.api import max_wavelet_levels, wavedec2, waverec2
from denoisekit_hsi.hysime import band_noise_std


def sure_soft_threshold(coeffs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row of ``coeffs`` (N, n) (unit-variance noise): the SURE-optimal soft threshold among the
    |c| values and its risk; both (N,)."""
    a = coeffs.abs().sort(dim=1).values
    n = a.shape[1]
    count = torch.arange(1, n + 1, device=a.device, dtype=a.dtype)  # #{|c| <= a_j}
    below = torch.cumsum(a.square(), dim=1)  # sum of c^2 for |c| <= a_j
    risk = n - 2 * count + below + (n - count) * a.square()
    zero = torch.full_like(a[:, :1], float(n)) - 0.0  # lambda = 0: risk n (keep everything)
    risk = torch.cat([zero, risk], dim=1)
    best = risk.argmin(dim=1)
    lam = torch.cat([torch.zeros_like(a[:, :1]), a], dim=1).gather(1, best[:, None])[:, 0]
    return lam, risk.gather(1, best[:, None])[:, 0]


def _padded(images: torch.Tensor, multiple: int) -> torch.Tensor:
    h, w = images.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph == 0 and pw == 0:
        return images
    return F.pad(images[:, None], (0, pw, 0, ph), mode="reflect")[:, 0]


def wavelet_sure_shrink(images: torch.Tensor, levels: int = 0, moments: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft-threshold the detail coefficients of each image (N, H, W) (unit noise) at its SURE threshold.

    Returns the shrunk images and their SURE risks (N,) (approximation coefficients are kept, at risk 1
    each). ``levels`` = 0 uses as many as the size allows (at most 5); sizes that are not a multiple of
    2^levels are reflect-padded.
    """
    h, w = images.shape[-2:]
    if levels <= 0:
        size = 1 << (min(h, w).bit_length() - 1)  # the largest power of two that fits
        levels = max(1, min(5, max_wavelet_levels(size, size, moments)))
    x = _padded(images, 2**levels)
    approx, details = wavedec2(x, levels, moments)
    flat = torch.cat([d.reshape(d.shape[0], -1) for d in details], dim=1)
    lam, risk = sure_soft_threshold(flat)
    shrunk = [d.sign() * (d.abs() - lam[:, None, None, None]).clamp(min=0) for d in details]
    out = waverec2(approx, shrunk, moments)[:, :h, :w]
    return out, risk + approx[0].numel()


def hyres(cube: torch.Tensor, levels: int = 0, moments: int = 2, info: dict | None = None,
          sigma: torch.Tensor | None = None) -> torch.Tensor:
    """Denoise ``cube`` (H, W, B). ``sigma`` (B,) overrides the multiple-regression noise estimate;
    ``info`` (if given) receives the chosen rank."""
    h, w, b = cube.shape
    y = cube.reshape(-1, b)
    if sigma is None:
        sigma = band_noise_std(y.T)
    yw = y / sigma
    u, s, vh = torch.linalg.svd(yw, full_matrices=False)
    eigen = (u * s).T.reshape(-1, h, w)
    shrunk, keep_risk = wavelet_sure_shrink(eigen, levels, moments)
    drop_risk = eigen.reshape(eigen.shape[0], -1).square().sum(dim=1) - h * w
    # total risk of keeping the first r components: sum(keep[:r]) + sum(drop[r:]), r = 1..B
    total = torch.cumsum(keep_risk - drop_risk, dim=0) + drop_risk.sum()
    rank = int(total.argmin()) + 1
    if info is not None:
        info.update(rank=rank, noise_std_mean=float(sigma.mean()))
    x = shrunk[:rank].reshape(rank, -1).T @ vh[:rank]
    return (x * sigma).reshape(h, w, b)
