"""Centred orthonormal 2-D discrete Fourier transforms over the last two axes.

k-space is stored with the zero frequency in the middle of the array (the fastMRI convention), so
fft2c = fftshift . FFT . ifftshift; with ``norm="ortho"`` both are unitary (Parseval), hence
ifft2c is the adjoint and the inverse of fft2c.
"""

from __future__ import annotations

import torch

_DIMS = (-2, -1)


def fft2c(x: torch.Tensor) -> torch.Tensor:
    """Centred unitary 2-D FFT over the last two axes (image -> k-space)."""
    x = torch.fft.ifftshift(x, dim=_DIMS)
    return torch.fft.fftshift(torch.fft.fft2(x, dim=_DIMS, norm="ortho"), dim=_DIMS)


def ifft2c(k: torch.Tensor) -> torch.Tensor:
    """Centred unitary inverse 2-D FFT over the last two axes (k-space -> image)."""
    k = torch.fft.ifftshift(k, dim=_DIMS)
    return torch.fft.fftshift(torch.fft.ifft2(k, dim=_DIMS, norm="ortho"), dim=_DIMS)
