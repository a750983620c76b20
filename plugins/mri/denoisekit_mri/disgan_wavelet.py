"""The orthonormal 3-D Haar wavelet transform, one level, on (N, C, D, H, W) tensors: the DWT unit of DISGAN's
wavelet-domain discriminator (Wang et al., arXiv 2308.12084, Sec. 3.2). Each axis is split into
(a + b) / sqrt 2 and (a - b) / sqrt 2 of its sample pairs, so the transform is orthogonal: its inverse is
its adjoint, and it keeps the energy."""

from __future__ import annotations

import math

import torch
from torch import nn

_R = 1.0 / math.sqrt(2.0)


def _split(x: torch.Tensor, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = x.unflatten(dim, (x.shape[dim] // 2, 2)).unbind(dim + 1)
    return (a + b) * _R, (a - b) * _R


def _merge(low: torch.Tensor, high: torch.Tensor, dim: int) -> torch.Tensor:
    return torch.stack(((low + high) * _R, (low - high) * _R), dim=dim + 1).flatten(dim, dim + 1)


def dwt3(x: torch.Tensor) -> torch.Tensor:
    """(N, C, D, H, W) with even D, H, W -> (N, 8 C, D/2, H/2, W/2): subbands LLL, LLH, ..., HHH, each C channels."""
    if x.ndim != 5 or any(n % 2 for n in x.shape[-3:]):
        raise ValueError(f"dwt3 needs (N, C, D, H, W) with even D, H, W, not {tuple(x.shape)}")
    bands = [x]
    for dim in (2, 3, 4):
        bands = [part for band in bands for part in _split(band, dim)]
    return torch.cat(bands, dim=1)


def idwt3(y: torch.Tensor) -> torch.Tensor:
    """The inverse (= adjoint) of :func:`dwt3`."""
    bands = list(y.chunk(8, dim=1))
    for dim in (4, 3, 2):
        bands = [_merge(bands[i], bands[i + 1], dim) for i in range(0, len(bands), 2)]
    return bands[0]


class DWT3(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dwt3(x)


class IDWT3(nn.Module):
    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return idwt3(y)
