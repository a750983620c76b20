"""The noise level of white noise in an array, from the finest wavelet band (Donoho & Johnstone 1994).

D. L. Donoho and I. M. Johnstone, "Ideal spatial adaptation by wavelet shrinkage", Biometrika 81(3),
1994: the finest-scale wavelet coefficients of a piecewise-smooth signal are almost all noise, so the
noise standard deviation is ``sigma = median(|d|) / 0.6745`` (0.6745 is the median of ``|N(0, 1)|``),
the median making the estimate robust to the few large coefficients at edges and texture.

``d`` is the all-high band of the separable Haar transform along the ``spatial_axes``: along each axis
the difference of neighbours, ``(x[2i] - x[2i+1])``, the product scaled by ``2**(-n/2)`` for ``n``
axes, so that white noise keeps its variance. With two axes, ``d = (a - b - c + d) / 2`` over each
2x2 block ``[[a, b], [c, d]]`` (the diagonal ``HH`` band); it vanishes on constants and ramps. The
decimated transform (default) uses the non-overlapping blocks; ``undecimated=True`` every block
(the stationary transform: more coefficients, a slightly lower variance). An odd last row is left
out of the decimated band.

Conventions: coefficients are computed in float64; the median of an even number of values is the
lower middle one (torch's convention, the same for numpy input); complex data pool the real and
imaginary parts, so the result is the *per-component* sigma (for circular complex noise with
``E|n|^2 = 2 s^2`` it is ``s``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
import torch

Tensor = torch.Tensor

MAD_TO_SIGMA = 0.6745  # median(|z|) of a standard normal z


def mad_std(values: Tensor, dim: int | None = None) -> Tensor:
    """Robust std of zero-median noise: ``median(|values|) / 0.6745`` over all entries or along ``dim``;
    NaN entries are ignored (a group with only NaN gives NaN). Lower median for an even count."""
    v = values.abs()
    if dim is None:
        v = v.reshape(-1)
        dim = 0
    return v.nanmedian(dim=dim).values / MAD_TO_SIGMA


def finest_band(x: Tensor, axes: Sequence[int], undecimated: bool = False) -> Tensor:
    """The all-high band of the separable Haar transform of ``x`` along ``axes`` (float64, or complex128),
    decimated (non-overlapping blocks) unless ``undecimated``. See the module docstring."""
    d = x.to(torch.complex128 if x.is_complex() else torch.float64)
    for axis in axes:
        n = d.shape[axis]
        if undecimated:
            d = d.narrow(axis, 0, n - 1) - d.narrow(axis, 1, n - 1)
        else:
            even = (n // 2) * 2
            d = d.narrow(axis, 0, even)
            d = d.unflatten(axis, (even // 2, 2))
            d = d.select(axis + 1, 0) - d.select(axis + 1, 1)
    return d * 2.0 ** (-len(axes) / 2)


@overload
def estimate_sigma(x: np.ndarray, *, spatial_axes: Sequence[int] = ..., per: Sequence[int] = ...,
                   undecimated: bool = ...) -> float | np.ndarray: ...
@overload
def estimate_sigma(x: Tensor, *, spatial_axes: Sequence[int] = ..., per: Sequence[int] = ...,
                   undecimated: bool = ...) -> float | Tensor: ...
def estimate_sigma(x: np.ndarray | Tensor, *, spatial_axes: Sequence[int] = (-2, -1), per: Sequence[int] = (),
                   undecimated: bool = False) -> float | np.ndarray | Tensor:
    """The noise standard deviation of ``x`` from the MAD of its finest Haar band along ``spatial_axes``.

    ``per``: the axes that get their own estimate (channels, bands, slices, coils); every other axis is
    pooled. Returns a float when ``per`` is empty, else an array (numpy input) or a float64 tensor on
    ``x``'s device (torch input) of the shape of the ``per`` axes. Real or complex (per-component sigma);
    0.0 when the band is empty (an axis shorter than 2). Groups are estimated one at a time, so the
    float64 copy is never larger than one group.
    """
    is_numpy = not isinstance(x, Tensor)
    t = torch.from_numpy(np.ascontiguousarray(x)) if is_numpy else x.detach()
    ndim = t.dim()
    spatial = [a % ndim for a in spatial_axes]
    kept = [a % ndim for a in per]
    if not spatial or len(set(spatial)) != len(spatial) or set(spatial) & set(kept) or len(set(kept)) != len(kept):
        raise ValueError(f"spatial_axes {tuple(spatial_axes)} and per {tuple(per)} must be distinct axes of "
                         f"a {ndim}-D array")
    pooled = [a for a in range(ndim) if a not in spatial and a not in kept]
    t = t.permute(*kept, *pooled, *spatial)
    shape = t.shape[: len(kept)]
    groups = t.reshape(-1, *t.shape[len(kept):])
    band_axes = range(len(pooled), len(pooled) + len(spatial))  # in each group (*pooled, *spatial)
    sigmas = torch.empty(len(groups), dtype=torch.float64, device=t.device)
    for g, group in enumerate(groups):
        d = finest_band(group, band_axes, undecimated)
        if d.is_complex():
            d = torch.view_as_real(d)
        sigmas[g] = mad_std(d) if d.numel() else 0.0
    if not kept:
        return float(sigmas[0])
    sigmas = sigmas.reshape(shape)
    return sigmas.cpu().numpy() if is_numpy else sigmas
