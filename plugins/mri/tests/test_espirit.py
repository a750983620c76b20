"""ESPIRiT on simulated smooth, normalised coil maps with a known image: the maps reproduce the coil images
(small projection error, close to the true maps up to a common phase), also from a 7-line calibration."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from denoisekit_mri.espirit import calibration_box, espirit_maps, estimate_maps, kernel_size
from denoisekit_mri.fft import fft2c, ifft2c
from denoisekit_mri.simulate import coil_maps, smooth_phase


@pytest.fixture(scope="module")
def acquisition():
    h = w = 64
    yy, xx = np.mgrid[:h, :w]
    image = ((((yy - 32) / 26) ** 2 + ((xx - 32) / 20) ** 2) < 1) * (1.0 + 0.5 * np.sin(xx / 5.0))
    x = torch.from_numpy((image * smooth_phase((h, w), np.random.default_rng(0))).astype(np.complex64))
    maps = torch.from_numpy(coil_maps((h, w), 8))
    kspace = fft2c(maps * x)
    kspace = kspace + 1e-3 * torch.randn(kspace.shape, generator=torch.Generator().manual_seed(0),
                                         dtype=torch.complex64)
    return kspace, maps, torch.from_numpy(image > 0)


def _errors(estimated, maps, kspace, inside):
    coil_images = ifft2c(kspace)
    projected = estimated * torch.sum(estimated.conj() * coil_images, dim=0, keepdim=True)
    projection = float(torch.linalg.vector_norm((coil_images - projected)[:, inside])
                       / torch.linalg.vector_norm(coil_images[:, inside]))
    alignment = float(torch.abs(torch.sum(estimated.conj() * maps, dim=0))[inside].mean())  # 1: same up to phase
    return projection, alignment


def test_maps_reproduce_coil_images(acquisition):
    kspace, maps, inside = acquisition
    estimated = espirit_maps(kspace[:, 20:44, 20:44], (64, 64))
    projection, alignment = _errors(estimated, maps, kspace, inside)
    assert projection < 0.08 and alignment > 0.995
    norms = torch.sum(estimated.abs() ** 2, dim=0)[inside]
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-4)  # unit-norm eigenvectors where kept
    # a wrong model (maps of another coil layout) does not reproduce them
    wrong, _ = _errors(torch.from_numpy(coil_maps((64, 64), 8, rotation=0.4)), maps, kspace, inside)
    assert wrong > 5 * projection


def test_seven_line_calibration_gives_nonzero_maps(acquisition):
    kspace, maps, inside = acquisition
    mask = torch.zeros(64)
    mask[29:36] = 1  # 7 centre lines, nothing else near them
    mask[::8] = 1
    rows, cols = calibration_box(mask[None], (64, 64), 24)
    assert (cols.stop - cols.start, rows.stop - rows.start) == (7, 24)
    assert kernel_size((24, 7), 6) == (6, 4)
    estimated = estimate_maps((kspace * mask)[None], mask[None, None, None])[0]
    assert float((estimated[:, inside].abs().sum(0) > 0).float().mean()) > 0.9
    projection, alignment = _errors(estimated, maps, kspace, inside)
    assert projection < 0.25 and alignment > 0.9


def test_calibration_box_of_a_point_mask():
    mask = torch.zeros(32, 32)
    mask[12:22, 13:20] = 1
    mask[0, :] = 1
    rows, cols = calibration_box(mask, (32, 32), 24)
    assert (rows.start, rows.stop, cols.start, cols.stop) == (12, 22, 13, 20)
