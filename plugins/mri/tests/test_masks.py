"""Undersampling masks: measured acceleration near the target, fully sampled centres, seeded draws,
Poisson-disc spacing and a density falling off from the centre."""

from __future__ import annotations

import numpy as np
import pytest
from denoisekit_mri.masks import equispaced_lines, lines_to_2d, poisson_disc_2d, random_2d, random_lines


@pytest.mark.parametrize("n,accel,cf", [(256, 4, 0.08), (320, 8, 0.04), (368, 4, 0.08), (640, 6, 0.06)])
def test_equispaced_lines(n, accel, cf):
    mask, measured = equispaced_lines(n, accel, cf, np.random.default_rng(1))
    assert mask.dtype == bool and measured == n / mask.sum()
    assert abs(measured - accel) / accel < 0.06
    count = round(n * cf)
    start = (n - count + 1) // 2
    assert mask[start:start + count].all() and mask[n // 2]
    outer = np.flatnonzero(np.concatenate([mask[:start], np.zeros(count, bool), mask[start + count:]]))
    gaps = np.diff(outer[outer < start]) if (outer < start).sum() > 2 else np.diff(outer)
    assert gaps.max() - gaps.min() <= 1  # equispaced up to rounding


def test_random_lines_acceleration_on_average_and_seeded():
    draws = [random_lines(320, 8, 0.04, np.random.default_rng(s))[1] for s in range(40)]
    assert abs(np.mean(draws) - 8) < 0.6
    a, _ = random_lines(320, 8, 0.04, np.random.default_rng(3))
    b, _ = random_lines(320, 8, 0.04, np.random.default_rng(3))
    c, _ = random_lines(320, 8, 0.04, np.random.default_rng(4))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a[160 - 6:160 + 7].all()


def test_lines_to_2d_along_either_axis():
    lines = np.zeros(8, bool)
    lines[[1, 4]] = True
    cols = lines_to_2d(lines, (5, 8))
    rows = lines_to_2d(lines, (8, 5), axis=0)
    assert cols.shape == (5, 8) and cols[:, 1].all() and not cols[:, 2].any()
    assert rows.shape == (8, 5) and rows[4].all() and not rows[3].any()
    with pytest.raises(ValueError):
        lines_to_2d(lines, (8, 5))


def test_random_2d():
    mask, measured = random_2d((64, 48), 4, (8, 6), np.random.default_rng(0))
    assert abs(measured - 4) < 0.4 and mask[28:36, 21:27].all()


def test_poisson_disc_variable_density():
    rng = np.random.default_rng(0)
    mask, measured = poisson_disc_2d((48, 48), 4, 8, rng)
    assert abs(measured - 4) / 4 < 0.1
    assert mask[20:28, 20:28].all()
    yy, xx = np.mgrid[:48, :48]
    dist = np.hypot(yy - 24, xx - 24)
    inner, outer = mask[(dist > 5) & (dist < 12)].mean(), mask[dist > 18].mean()
    assert inner > 1.5 * outer  # variable density: denser near the centre
    # Poisson disc: far from the centre no two points are neighbours along a row or a column
    far = mask & (dist > 18)
    assert not (far[:, 1:] & far[:, :-1]).any() and not (far[1:] & far[:-1]).any()
    again, _ = poisson_disc_2d((48, 48), 4, 8, np.random.default_rng(0))
    assert np.array_equal(mask, again)
