"""MR-physical resolution changes of magnitude volumes through k-space (Wang et al., DISGAN, arXiv 2308.12084,
Sec. 3.1: low-resolution volumes are made by truncating the k-space of the high-resolution ones).

A volume of ``n`` voxels along an axis is downsampled by ``f`` by keeping the central ``n / f`` k-space
samples, and upsampled by ``f`` (sinc interpolation) by zero-padding its k-space to ``n * f``; both keep the
mean intensity (the DC sample, ``norm="forward"``) and sample ``i`` of the small grid lands on sample ``f * i``
of the large one, so the affine of the large grid is the small grid's with its columns divided by ``f``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

AXES = ("slice", "all")


def factors_for(scale: int, axes: str) -> tuple[int, int, int]:
    """Per-axis factors on a ``DHW`` volume (D = the NIfTI slice axis): ``slice`` scales D only, ``all`` all three."""
    if axes not in AXES:
        raise ValueError(f"axes {axes!r}: expected one of {', '.join(AXES)}")
    return (scale, 1, 1) if axes == "slice" else (scale, scale, scale)


def _centre(n: int, m: int) -> slice:
    """The central ``m`` of ``n`` samples of an fftshifted axis (the DC sample stays at index m // 2)."""
    start = n // 2 - m // 2
    return slice(start, start + m)


def resize_kspace(volume: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """The complex volume whose k-space is the central crop (smaller ``shape``) or zero-padding (larger) of
    ``volume``'s k-space on its last three axes; the mean intensity is kept."""
    dims = (-3, -2, -1)
    k = torch.fft.fftshift(torch.fft.fftn(volume, dim=dims, norm="forward"), dim=dims)
    old = k.shape[-3:]
    out = k.new_zeros((*k.shape[:-3], *shape))
    src = tuple(_centre(o, min(o, s)) for o, s in zip(old, shape, strict=True))
    dst = tuple(_centre(s, min(o, s)) for o, s in zip(old, shape, strict=True))
    out[(Ellipsis, *dst)] = k[(Ellipsis, *src)]
    return torch.fft.ifftn(torch.fft.ifftshift(out, dim=dims), dim=dims, norm="forward")


def truncate(volume: torch.Tensor, factors: Sequence[int]) -> torch.Tensor:
    """The magnitude low-resolution volume: k-space of ``volume`` truncated by ``factors`` (each axis a multiple)."""
    shape = [n // f for n, f in zip(volume.shape[-3:], factors, strict=True)]
    return resize_kspace(volume.to(torch.complex64), shape).abs()


def sinc_upsample(volume: torch.Tensor, factors: Sequence[int]) -> torch.Tensor:
    """The magnitude of ``volume`` interpolated by ``factors`` through zero-padded k-space."""
    shape = [n * f for n, f in zip(volume.shape[-3:], factors, strict=True)]
    return resize_kspace(volume.to(torch.complex64), shape).abs()


def tricubic_upsample(volume: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Cubic-spline interpolation of ``volume`` on the same grid convention (sample i -> f * i), edges by
    reflection; the baseline of the benchmark."""
    from scipy.ndimage import map_coordinates

    shape = [n * f for n, f in zip(volume.shape, factors, strict=True)]
    grid = np.meshgrid(*[np.arange(s) / f for s, f in zip(shape, factors, strict=True)], indexing="ij")
    return map_coordinates(volume, grid, order=3, mode="mirror").astype(volume.dtype)


def scaled_affine(affine: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """The NIfTI affine of the grid upsampled by ``factors`` (on the ``DHW`` axes, D = NIfTI axis 3): voxel
    columns divided by their factor, origin kept (sample 0 stays where it was)."""
    d, h, w = factors
    out = np.array(affine, dtype=np.float64, copy=True)
    out[:3, :3] = out[:3, :3] / np.array([h, w, d], dtype=np.float64)  # NIfTI (x, y, z) = sample (H, W, D)
    return out
