"""Fixtures shared by the CT tests."""

from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F


def _binomial_noise(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Unit-variance float64 noise: white noise filtered circularly (so it is stationary) by the 3 x 3 binomial
    kernel; rho = 2/3 at lag (0, 1), 4/9 at (1, 1), 1/6 at (0, 2), 0 beyond. ``shape`` is (N, C, H, W)."""
    b = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64)
    kernel = (b[:, None] * b[None, :])[None, None]
    white = torch.randn(tuple(shape), dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    return F.conv2d(F.pad(white, (1, 1, 1, 1), mode="circular"), kernel) / kernel.square().sum().sqrt()


@pytest.fixture
def binomial_noise() -> Callable[[tuple[int, ...], int], torch.Tensor]:
    """``binomial_noise(shape, seed)``: seeded unit-variance binomial-correlated noise (see :func:`_binomial_noise`)."""
    return _binomial_noise


@pytest.fixture(scope="session")
def tuning_crop_1e4() -> tuple[np.ndarray, np.ndarray]:
    """(noisy, reference) HU of the tuning benchmark's crop (320, 320) at I0 = 1e4: pydicom-data's real head CT
    693_UNCR, low dose simulated on the whole slice (720 views, Hann FBP, seed 0), its 128 x 128 crop at (320, 320),
    where the filter alone loses to NLM (docs/domains/ct-filter2noise.md)."""
    from denoisekit_ct.lowdose import simulate_low_dose
    from denoisekit_ct.sample import source_slice

    ds, hu = source_slice()
    noisy = simulate_low_dose(hu, 1e4, views=720, pixel_size=float(ds.PixelSpacing[0]), filter="hann", seed=0,
                              device="cpu")
    return noisy[320:448, 320:448], hu[320:448, 320:448]
