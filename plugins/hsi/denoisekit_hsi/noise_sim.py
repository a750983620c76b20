"""Hyperspectral noise simulation with HyDe's conventions, in torch on the cube's device.

Cubes are ``(H, W, B)`` or batched ``(N, H, W, B)``, values in [0, 1]; every draw comes from the
``torch.Generator`` passed in (it must live on the cube's device), so a seed gives the same noise.
The conventions follow HyDe's ``lowlevel/add_noise.py`` and the mixed-noise cases of Wei, Fu & Huang,
"3-D quasi-recurrent neural network for hyperspectral image denoising", IEEE TNNLS 32(1), 2021:

- gaussian: y = x + sigma n (i.i.d.).
- non-iid: one sigma_b ~ U(0, sigma_max) per band (and per batch element).
- poisson: y = Poisson(peak x) / peak with peak set so the cube's SNR is ``snr_db``.
- stripes: on ``round(band_fraction B)`` bands, a count of columns drawn uniformly from
  [column_min W, column_max W] gets one offset each, drawn from U(-amplitude, amplitude).
- deadlines: same band and column draws, the columns are set to zero.
- impulse: on ``round(band_fraction B)`` bands, salt-and-pepper with an amount drawn from ``amounts``
  per band (salt with probability ``salt_vs_pepper``).
- mixed: Gaussian (sigma 0.05) plus stripes, dead lines and impulse, each on its own random third of
  the bands.

The core's ``stripes`` / ``deadlines`` / ``impulse`` noise models draw each line independently with a
probability and Gaussian offsets; HyDe picks exact counts of bands and columns and uniform offsets, so
these functions are separate (registered together as the ``hsi-noise`` noise model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from denoisekit.api import NoiseModel

CASES = ("gaussian", "non-iid", "poisson", "stripes", "deadlines", "impulse", "mixed")


def _batched(x: torch.Tensor) -> torch.Tensor:
    if x.ndim == 3:
        return x.unsqueeze(0)
    if x.ndim == 4:
        return x
    raise ValueError(f"expected a cube (H, W, B) or a batch (N, H, W, B), got shape {tuple(x.shape)}")


def _unbatched_like(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return y.squeeze(0) if x.ndim == 3 else y


def _rand(shape: Sequence[int], x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    return torch.rand(tuple(shape), generator=generator, device=x.device, dtype=x.dtype)


def _choose_bands(xb: torch.Tensor, fraction: float, generator: torch.Generator | None) -> torch.Tensor:
    """(N, 1, 1, B) bool: exactly round(fraction * B) bands per batch element, chosen at random."""
    n, _, _, b = xb.shape
    k = int(round(fraction * b))
    ranks = _rand((n, b), xb, generator).argsort(dim=1).argsort(dim=1)
    return (ranks < k).view(n, 1, 1, b)


def _choose_columns(xb: torch.Tensor, column_min: float, column_max: float,
                    generator: torch.Generator | None) -> torch.Tensor:
    """(N, 1, W, B) bool: per band, a number of columns drawn uniformly in [column_min W, column_max W]."""
    n, _, w, b = xb.shape
    lo, hi = int(round(column_min * w)), int(round(column_max * w))
    counts = lo + (_rand((n, 1, 1, b), xb, generator) * (hi - lo + 1)).floor().clamp(max=hi - lo)
    ranks = _rand((n, 1, w, b), xb, generator).argsort(dim=2).argsort(dim=2)
    return ranks < counts


def gaussian_iid(x: torch.Tensor, sigma: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """y = x + sigma n, n ~ N(0, I)."""
    return x + sigma * torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)


def gaussian_non_iid(x: torch.Tensor, sigma_max: float = 0.1,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """y = x + sigma_b n with sigma_b ~ U(0, sigma_max) drawn per band (HyDe's non-i.i.d. case)."""
    xb = _batched(x)
    sigma = sigma_max * _rand((xb.shape[0], 1, 1, xb.shape[3]), xb, generator)
    y = xb + sigma * torch.randn(xb.shape, generator=generator, device=x.device, dtype=x.dtype)
    return _unbatched_like(y, x)


def poisson(x: torch.Tensor, snr_db: float = 15.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """y = Poisson(peak x) / peak; Var = x / peak, so SNR = sum x^2 / (sum x / peak) fixes
    peak = 10^(snr_db / 10) sum x / sum x^2 (per batch element)."""
    xb = _batched(x).clamp(min=0)
    dims = (1, 2, 3)
    peak = 10 ** (snr_db / 10) * xb.sum(dims, keepdim=True) / xb.square().sum(dims, keepdim=True).clamp(min=1e-12)
    y = torch.poisson(xb * peak, generator=generator) / peak
    return _unbatched_like(y, x)


def stripes(x: torch.Tensor, generator: torch.Generator | None = None, band_fraction: float = 1 / 3,
            column_min: float = 0.05, column_max: float = 0.15, amplitude: float = 0.25) -> torch.Tensor:
    """Column stripes: each chosen column of a chosen band gets an offset ~ U(-amplitude, amplitude)."""
    xb = _batched(x)
    bands = _choose_bands(xb, band_fraction, generator)
    columns = _choose_columns(xb, column_min, column_max, generator)
    offset = amplitude * (2 * _rand((xb.shape[0], 1, xb.shape[2], xb.shape[3]), xb, generator) - 1)
    return _unbatched_like(xb + (bands & columns) * offset, x)


def dead_lines(x: torch.Tensor, generator: torch.Generator | None = None, band_fraction: float = 1 / 3,
               column_min: float = 0.05, column_max: float = 0.15) -> torch.Tensor:
    """Dead columns: each chosen column of a chosen band is set to zero."""
    xb = _batched(x)
    dead = _choose_bands(xb, band_fraction, generator) & _choose_columns(xb, column_min, column_max, generator)
    return _unbatched_like(xb.masked_fill(dead, 0.0), x)


def impulse(x: torch.Tensor, generator: torch.Generator | None = None, band_fraction: float = 1 / 3,
            amounts: Sequence[float] = (0.1, 0.3, 0.5, 0.7), salt_vs_pepper: float = 0.5) -> torch.Tensor:
    """Salt-and-pepper noise on chosen bands, with an amount drawn from ``amounts`` per band."""
    xb = _batched(x)
    n, _, _, b = xb.shape
    bands = _choose_bands(xb, band_fraction, generator)
    table = torch.as_tensor(tuple(amounts), device=x.device, dtype=x.dtype)
    pick = (_rand((n, 1, 1, b), xb, generator) * len(table)).long().clamp(max=len(table) - 1)
    hit = bands & (_rand(xb.shape, xb, generator) < table[pick])
    salt = _rand(xb.shape, xb, generator) < salt_vs_pepper
    y = torch.where(hit, salt.to(x.dtype), xb)
    return _unbatched_like(y, x)


def mixed(x: torch.Tensor, generator: torch.Generator | None = None, sigma: float = 0.05,
          band_fraction: float = 1 / 3) -> torch.Tensor:
    """Gaussian (sigma) + stripes + dead lines + impulse, each structured noise on its own random bands."""
    y = gaussian_iid(x, sigma, generator)
    y = stripes(y, generator, band_fraction)
    y = dead_lines(y, generator, band_fraction)
    return impulse(y, generator, band_fraction)


_CASE_FUNCTIONS: dict[str, tuple[Callable[..., torch.Tensor], dict[str, Any]]] = {
    "gaussian": (gaussian_iid, {"sigma": 0.1}),
    "non-iid": (gaussian_non_iid, {"sigma_max": 0.1}),
    "poisson": (poisson, {"snr_db": 15.0}),
    "stripes": (stripes, {}),
    "deadlines": (dead_lines, {}),
    "impulse": (impulse, {}),
    "mixed": (mixed, {}),
}


def add_noise(cube: torch.Tensor, case: str, generator: torch.Generator | None = None,
              **params: Any) -> torch.Tensor:
    """One of :data:`CASES` with HyDe's default parameters (``params`` override them): gaussian
    sigma 0.1, non-iid sigma_max 0.1, poisson 15 dB, the structured cases on a third of the bands."""
    if case not in _CASE_FUNCTIONS:
        raise ValueError(f"unknown noise case {case!r} (known: {', '.join(CASES)})")
    fn, defaults = _CASE_FUNCTIONS[case]
    return fn(cube, generator=generator, **{**defaults, **params})


class HSINoise(NoiseModel):
    """The cases above as a core :class:`denoisekit.noise.NoiseModel` (a sampler only: no likelihood)."""

    def __init__(self, case: str = "mixed", **params: Any):
        super().__init__()
        if case not in _CASE_FUNCTIONS:
            raise ValueError(f"unknown noise case {case!r} (known: {', '.join(CASES)})")
        self.case, self.params = case, params

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Noise on ``x`` shaped (H, W, B) or (N, H, W, B)."""
        return add_noise(x, self.case, generator, **self.params)
