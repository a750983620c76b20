"""Cartesian k-space undersampling masks, each drawn from a seeded ``numpy.random.Generator``.

Every function returns ``(mask, acceleration)``: a boolean array and the measured acceleration
(samples in the full grid / samples kept). 1-D masks choose phase-encoding lines along one axis
(``lines_to_2d`` spreads them over an image); 2-D masks choose k-space points (3-D acquisitions,
two phase-encoding axes).

- equispaced and random lines follow the fastMRI conventions (Zbontar et al., arXiv:1811.08839,
  and the reference ``MaskFunc`` semantics): a fully sampled centre of ``center_fraction``
  of the lines, the rest chosen so that the total acceleration is about ``acceleration``;
- Poisson-disc: variable-density Poisson-disc sampling (Bridson, "Fast Poisson disk sampling in
  arbitrary dimensions", SIGGRAPH sketches 2007; variable density as in Lustig, Donoho & Pauly,
  MRM 58(6), 2007, variable-density sampling): the exclusion radius grows linearly with the distance
  from the k-space centre, plus a fully sampled calibration box.
"""

from __future__ import annotations

import math

import numpy as np


def _center_lines(n: int, center_fraction: float) -> tuple[int, int]:
    """(start, count) of the fully sampled centre: round(n * center_fraction) lines around n // 2."""
    count = max(1, round(n * center_fraction))
    return (n - count + 1) // 2, count


def _check(acceleration: float, center_fraction: float) -> None:
    if not acceleration >= 1:
        raise ValueError(f"acceleration must be >= 1, got {acceleration}")
    if not 0 < center_fraction < 1:
        raise ValueError(f"center_fraction must be in (0, 1), got {center_fraction}")


def equispaced_lines(n: int, acceleration: float, center_fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """fastMRI equispaced lines: the centre, then every a-th line from a random offset, where the spacing
    a = R (c - n) / (c R - n) (c centre lines) makes the total about n / R lines."""
    _check(acceleration, center_fraction)
    start, count = _center_lines(n, center_fraction)
    mask = np.zeros(n, dtype=bool)
    mask[start:start + count] = True
    if count * acceleration < n:
        spacing = acceleration * (count - n) / (count * acceleration - n)
        offset = int(rng.integers(0, max(1, round(spacing))))
        mask[np.round(np.arange(offset, n - 1, spacing)).astype(int)] = True
    return mask, n / mask.sum()


def random_lines(n: int, acceleration: float, center_fraction: float,
                 rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """fastMRI random lines: the centre, and each other line kept with probability (n / R - c) / (n - c)."""
    _check(acceleration, center_fraction)
    start, count = _center_lines(n, center_fraction)
    probability = max(0.0, (n / acceleration - count) / (n - count))
    mask = rng.uniform(size=n) < probability
    mask[start:start + count] = True
    return mask, n / mask.sum()


def lines_to_2d(lines: np.ndarray, shape: tuple[int, int], axis: int = -1) -> np.ndarray:
    """A (H, W) boolean mask sampling the chosen lines along ``axis`` (-1: columns, the fastMRI phase
    encoding; 0: rows)."""
    axis = axis % 2
    if lines.shape != (shape[axis],):
        raise ValueError(f"{lines.shape[0]} lines for an axis of {shape[axis]}")
    return np.broadcast_to(lines[None, :] if axis == 1 else lines[:, None], shape).copy()


def _calibration(shape: tuple[int, int], calib: int | tuple[int, int]) -> np.ndarray:
    calib = (calib, calib) if isinstance(calib, int) else calib
    mask = np.zeros(shape, dtype=bool)
    rows, cols = ((n - c + 1) // 2 for n, c in zip(shape, calib, strict=True))
    mask[rows:rows + calib[0], cols:cols + calib[1]] = True
    return mask


def random_2d(shape: tuple[int, int], acceleration: float, calib: int | tuple[int, int],
              rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Uniformly random points outside a fully sampled calibration box, about prod(shape) / R in all."""
    if not acceleration >= 1:
        raise ValueError(f"acceleration must be >= 1, got {acceleration}")
    mask = _calibration(shape, calib)
    rest = mask.size - mask.sum()
    probability = max(0.0, (mask.size / acceleration - mask.sum()) / rest) if rest else 0.0
    mask |= rng.uniform(size=shape) < probability
    return mask, mask.size / mask.sum()


def _bridson(shape: tuple[int, int], radius: np.ndarray, rng: np.random.Generator, tries: int) -> np.ndarray:
    """Bridson's active-list Poisson-disc sampling on the pixel grid with a per-pixel exclusion radius:
    a candidate at distance [r, 2r) from an active point is kept when no kept point lies within its r."""
    h, w = shape
    kept = np.zeros(shape, dtype=bool)
    first = (int(rng.integers(h)), int(rng.integers(w)))
    kept[first] = True
    active = [first]
    while active:
        i = int(rng.integers(len(active)))
        y, x = active[i]
        r = radius[y, x]
        found = False
        for _ in range(tries):
            rho, phi = r * (1 + rng.uniform()), 2 * math.pi * rng.uniform()
            cy, cx = round(y + rho * math.sin(phi)), round(x + rho * math.cos(phi))
            if not (0 <= cy < h and 0 <= cx < w) or kept[cy, cx]:
                continue
            rc = radius[cy, cx]
            k = math.ceil(rc)
            y0, y1, x0, x1 = max(0, cy - k), min(h, cy + k + 1), max(0, cx - k), min(w, cx + k + 1)
            ys, xs = np.nonzero(kept[y0:y1, x0:x1])
            if ys.size and np.min((ys + y0 - cy) ** 2 + (xs + x0 - cx) ** 2) < rc * rc:
                continue
            kept[cy, cx] = True
            active.append((cy, cx))
            found = True
            break
        if not found:
            active[i] = active[-1]
            active.pop()
    return kept


def poisson_disc_2d(shape: tuple[int, int], acceleration: float, calib: int | tuple[int, int],
                    rng: np.random.Generator, *, density_slope: float = 2.0, tries: int = 20,
                    rounds: int = 4) -> tuple[np.ndarray, float]:
    """Variable-density Poisson-disc points plus a fully sampled calibration box.

    The exclusion radius is r(k) = s (1 + density_slope |k|), |k| the distance from the centre
    normalised to 1 at the edge of the grid, so the density falls off as 1 / r^2. The scale s is
    refitted ``rounds`` times from the count (density ~ 1 / s^2) to approach prod(shape) / R points; the
    measured acceleration is returned.
    """
    if not acceleration > 1:
        raise ValueError(f"acceleration must be > 1 for a Poisson-disc mask, got {acceleration}")
    h, w = shape
    ky, kx = np.meshgrid((np.arange(h) - h // 2) / (h / 2), (np.arange(w) - w // 2) / (w / 2), indexing="ij")
    profile = 1 + density_slope * np.sqrt((ky**2 + kx**2) / 2)
    calibration = _calibration(shape, calib)
    target = h * w / acceleration
    # the mean of 1 / profile^2 estimates the count of unit-radius points (a hexagonal packing of
    # radius r holds about 2 / (sqrt(3) r^2) points per pixel)
    scale = math.sqrt(2 / math.sqrt(3) * np.sum(1 / profile**2) / max(target - calibration.sum(), 1.0))
    for _ in range(rounds):
        mask = _bridson(shape, np.maximum(scale * profile, 1.0), rng, tries) | calibration
        count = mask.sum()
        if abs(count - target) <= 0.02 * target:
            break
        scale *= math.sqrt(max(count - calibration.sum(), 1) / max(target - calibration.sum(), 1.0))
    return mask, mask.size / mask.sum()
