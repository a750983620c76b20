"""Synthetic hyperspectral cubes by linear mixing with spectral variability, at real AVIRIS band centres.

The band centres and FWHM are those of the 220 AVIRIS bands of the Indian Pines scene, read from the
file ``92AV3C.spc`` that SPy's wheel ships (``spectral/tests/data``); the water-absorption bands
(1340-1450 nm, 1790-1960 nm, beyond 2480 nm) are left out and ``bands`` centres are taken evenly
from the rest. A cube is

    X[p, b] = s_p sum_j A[p, j] E_j(lambda_b (1 + d[p, j])),

with five smooth endmember spectra E_j (sums of Gaussian absorption/reflection features over a
sloped continuum), abundances A that are piecewise (Voronoi regions, each dominated by one endmember)
blended with smooth random fields and normalised to sum to one, a per-pixel brightness s_p and a
per-pixel, per-endmember wavelength stretch d (about 0.4 %): spectral variability, so the cube is
not exactly of rank 5 (its singular values decay instead of stopping at 5). The cube is scaled to
[0, 1]. Everything is drawn from ``numpy.random.default_rng(seed)``: same seed, same cube.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

WATER_BANDS_NM = ((1340.0, 1450.0), (1790.0, 1960.0), (2480.0, 1e9))
N_ENDMEMBERS = 5


@dataclass(frozen=True)
class Bands:
    """Band centres and full widths at half maximum in nanometres."""

    wavelength: np.ndarray
    fwhm: np.ndarray


def aviris_bands(bands: int) -> Bands:
    """``bands`` AVIRIS band centres (and FWHM) from SPy's ``92AV3C.spc``, evenly spread over the 200
    bands outside the water-absorption windows."""
    import spectral

    spc = Path(spectral.__file__).parent / "tests" / "data" / "92AV3C.spc"
    rows = np.array([line.split()[:2] for line in spc.read_text().splitlines()[2:] if line.strip()], dtype=float)
    centre, fwhm = rows[:, 0], rows[:, 1]
    keep = np.ones(len(centre), dtype=bool)
    for lo, hi in WATER_BANDS_NM:
        keep &= ~((centre >= lo) & (centre <= hi))
    centre, fwhm = centre[keep], fwhm[keep]
    if not 2 <= bands <= len(centre):
        raise ValueError(f"bands must be between 2 and {len(centre)}, got {bands}")
    pick = np.round(np.linspace(0, len(centre) - 1, bands)).astype(int)
    return Bands(centre[pick], fwhm[pick])


def _endmember_params(rng: np.random.Generator, n: int) -> list[tuple[float, float, np.ndarray]]:
    """Per endmember: continuum level, continuum slope, and features (centre nm, width nm, depth)."""
    params = []
    for _ in range(n):
        k = int(rng.integers(3, 7))
        features = np.stack([rng.uniform(420, 2450, k), rng.uniform(40, 300, k), rng.uniform(-0.35, 0.35, k)], 1)
        params.append((float(rng.uniform(0.2, 0.6)), float(rng.uniform(-0.15, 0.25)), features))
    return params


def _spectrum(wl: np.ndarray, level: float, slope: float, features: np.ndarray) -> np.ndarray:
    """A continuum plus Gaussian features evaluated at wavelengths ``wl`` (any shape, nm)."""
    x = (wl - 400.0) / 2100.0
    out = level + slope * x
    for centre, width, depth in features:
        out = out + depth * np.exp(-0.5 * ((wl - centre) / width) ** 2)
    return np.clip(out, 0.02, None)


def _smooth_field(rng: np.random.Generator, h: int, w: int, scale: float) -> np.ndarray:
    """A zero-mean, unit-variance random field smoothed with a Gaussian of ``scale`` pixels."""
    from scipy.ndimage import gaussian_filter

    field = gaussian_filter(rng.standard_normal((h, w)), scale, mode="wrap")
    return (field - field.mean()) / (field.std() + 1e-12)


def _abundances(rng: np.random.Generator, h: int, w: int, n: int) -> np.ndarray:
    """(h, w, n) abundances summing to one: Voronoi regions dominated by one endmember, softened by
    smooth fields."""
    regions = max(4, (h * w) // 1024)
    seeds = rng.uniform(0, 1, (regions, 2)) * (h, w)
    owner = rng.integers(0, n, regions)
    rows, cols = np.mgrid[0:h, 0:w]
    dist = (rows[..., None] - seeds[:, 0]) ** 2 + (cols[..., None] - seeds[:, 1]) ** 2
    label = owner[np.argmin(dist, axis=-1)]
    logits = 3.0 * np.eye(n)[label]
    logits += np.stack([_smooth_field(rng, h, w, max(h, w) / 12) for _ in range(n)], axis=-1)
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)


def make_cube(h: int, w: int, bands: int, seed: int = 0, variability: float = 0.004) -> np.ndarray:
    """A (h, w, bands) float32 cube in [0, 1] (see the module docstring); ``variability`` is the std of
    the per-pixel wavelength stretch (0 gives an exactly rank-5 cube up to the brightness factor)."""
    rng = np.random.default_rng(seed)
    wl = aviris_bands(bands).wavelength
    params = _endmember_params(rng, N_ENDMEMBERS)
    abundance = _abundances(rng, h, w, N_ENDMEMBERS)
    brightness = 1.0 + 0.08 * _smooth_field(rng, h, w, max(h, w) / 20)
    cube = np.zeros((h, w, bands))
    for j, (level, slope, features) in enumerate(params):
        stretch = variability * (0.6 * _smooth_field(rng, h, w, 3.0) + 0.8 * rng.standard_normal((h, w)))
        cube += abundance[..., j, None] * _spectrum(wl * (1.0 + stretch[..., None]), level, slope, features)
    cube *= brightness[..., None]
    cube = (cube - cube.min()) / (cube.max() - cube.min())
    return cube.astype(np.float32)
