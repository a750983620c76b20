"""Immiscible Diffusion noise assignment.

Y. Li, H. Jiang, A. Kodaira, M. Tomizuka, K. Keutzer and C. Xu, "Immiscible Diffusion:
Accelerating Diffusion Training with Noise Assignment", NeurIPS 2024. Within a training batch,
each image gets the noise sample that a linear sum assignment pairs it with, minimising the total
L2 distance ``sum_i ||x_i - eps_pi(i)||``. The noise batch is only permuted, so each noise sample
is still a standard Gaussian draw; what changes is which image it is added to.

The paper casts images and noise to fp16 before the distances, for speed on the GPU. Here the
distances are computed on the inputs' device in their dtype, at least fp32 (complex values count
as (real, imaginary) pairs), and the assignment (``scipy.optimize.linear_sum_assignment``,
O(B^3)) runs on the CPU in float64 (docs/training.md has timings).
"""

from __future__ import annotations

import torch
from scipy.optimize import linear_sum_assignment


def _rows(t: torch.Tensor) -> torch.Tensor:
    """One row per batch item; complex values as (real, imaginary) pairs; at least fp32."""
    t = torch.view_as_real(t.detach()) if t.is_complex() else t.detach()
    return t.flatten(1).to(torch.promote_types(t.dtype, torch.float32))


def assignment(x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The permutation ``perm`` (on ``noise.device``) minimising ``sum_i ||x_i - noise[perm[i]]||``."""
    if x.shape != noise.shape:
        raise ValueError(f"images {tuple(x.shape)} and noise {tuple(noise.shape)} differ in shape")
    if x.shape[0] < 2:
        return torch.arange(x.shape[0], device=noise.device)
    with torch.no_grad():
        cost = torch.cdist(_rows(x), _rows(noise))
    _, cols = linear_sum_assignment(cost.cpu().double().numpy())
    return torch.from_numpy(cols).to(noise.device)


def immiscible_assign(x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """``noise`` permuted along the batch axis so that image ``x[i]`` gets its assigned noise sample.

    Use it where a diffusion loss draws its noise: ``noise = immiscible_assign(x0, torch.randn(...))``.
    """
    return noise[assignment(x, noise)]
