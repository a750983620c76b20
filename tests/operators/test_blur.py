"""FFT blur against scipy's circular convolution, and the kernel-centre convention."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from denoisekit.operators import Blur


@pytest.mark.parametrize("kernel_shape, x_shape", [((5, 3), (2, 3, 8, 7)), ((4, 4), (1, 2, 9, 6)),
                                                   ((3, 2, 3), (2, 1, 4, 5, 6))])
def test_matches_scipy_wrap_convolution(kernel_shape: tuple[int, ...], x_shape: tuple[int, ...]) -> None:
    g = torch.Generator().manual_seed(0)
    kernel = torch.rand(kernel_shape, generator=g, dtype=torch.float64)
    x = torch.randn(x_shape, generator=g, dtype=torch.float64)
    y = Blur(kernel)(x).numpy()
    for index in np.ndindex(*x_shape[:2]):
        expected = ndimage.convolve(x[index].numpy(), kernel.numpy(), mode="wrap")
        np.testing.assert_allclose(y[index], expected, rtol=0, atol=1e-12)


def test_delta_gives_the_centred_kernel() -> None:
    kernel = torch.arange(1.0, 10.0, dtype=torch.float64).reshape(3, 3)
    delta = torch.zeros(1, 1, 6, 6, dtype=torch.float64)
    delta[..., 2, 2] = 1
    np.testing.assert_allclose(Blur(kernel)(delta)[0, 0, 1:4, 1:4].numpy(), kernel.numpy(), atol=1e-12)


def test_complex_signal_blurs_real_and_imaginary_parts() -> None:
    g = torch.Generator().manual_seed(1)
    blur = Blur(torch.rand(3, 3, generator=g, dtype=torch.float64))
    x = torch.randn(1, 2, 6, 5, generator=g, dtype=torch.complex128)
    torch.testing.assert_close(blur(x), torch.complex(blur(x.real), blur(x.imag)), rtol=0, atol=1e-12)


def test_rejects_bad_kernels() -> None:
    with pytest.raises(ValueError, match="2-D or 3-D"):
        Blur(torch.ones(3))
    with pytest.raises(ValueError, match="larger than the signal"):
        Blur(torch.ones(5, 5))(torch.zeros(1, 1, 4, 8))
