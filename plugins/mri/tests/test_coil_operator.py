"""The multi-coil Cartesian operator: unitary centred FFT, adjointness, known answers for full sampling."""

from __future__ import annotations

import numpy as np
import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.fft import fft2c, ifft2c


def _maps(n_coils: int, h: int, w: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    maps = torch.randn((n_coils, h, w), generator=g, dtype=torch.complex128)
    return maps / torch.sqrt(torch.sum(maps.abs() ** 2, dim=0, keepdim=True))


def test_fft2c_is_centred_and_unitary():
    x = torch.randn((3, 16, 12), dtype=torch.complex128)
    k = fft2c(x)
    np.testing.assert_allclose(torch.linalg.vector_norm(k), torch.linalg.vector_norm(x), rtol=1e-12)
    np.testing.assert_allclose(ifft2c(k).numpy(), x.numpy(), atol=1e-12)
    # a constant image puts all its energy at the centre sample (H // 2, W // 2)
    k = fft2c(torch.ones((16, 12), dtype=torch.complex128))
    assert abs(k[8, 6] - np.sqrt(16 * 12)) < 1e-9 and torch.sum(k.abs() > 1e-9) == 1
    np.testing.assert_allclose(k.numpy(), np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(np.ones((16, 12))),
                                                                       norm="ortho")), atol=1e-12)


def test_adjointness_multicoil_and_single_coil():
    g = torch.Generator().manual_seed(1)
    mask = (torch.rand(12, generator=g) > 0.4).to(torch.float64)
    for op in (MultiCoilCartesian(_maps(4, 10, 12), mask), MultiCoilCartesian.single_coil((10, 12), mask)):
        result = op.adjointness((3, 10, 12), generator=g, dtype=torch.complex128)
        assert result.passed, result
    wrong = MultiCoilCartesian(_maps(4, 10, 12), mask)
    wrong.A_adjoint = lambda y: torch.sum(wrong.maps * ifft2c(y), dim=1)  # conj dropped: not the adjoint
    assert not wrong.adjointness((3, 10, 12), generator=g, dtype=torch.complex128).passed


def test_full_sampling_with_normalised_maps_is_an_isometry():
    x = torch.randn((2, 10, 12), dtype=torch.complex128)
    op = MultiCoilCartesian(_maps(6, 10, 12), torch.ones(12, dtype=torch.bool))
    y = op.A(x)
    assert y.shape == (2, 6, 10, 12)
    np.testing.assert_allclose(op.A_adjoint(y).numpy(), x.numpy(), atol=1e-10)  # sum |S|^2 = 1: A^H A = I
    single = MultiCoilCartesian.single_coil((10, 12), torch.ones((10, 12)))
    np.testing.assert_allclose(single.A(x.to(torch.complex64))[:, 0].numpy(), fft2c(x).numpy(), atol=1e-5)


def test_mask_zeroes_unsampled_columns():
    mask = torch.zeros(12)
    mask[::3] = 1
    y = MultiCoilCartesian(_maps(2, 8, 12), mask).A(torch.randn((1, 8, 12), dtype=torch.complex128))
    assert torch.all(y[..., mask == 0] == 0) and torch.all(y[..., mask == 1] != 0)
