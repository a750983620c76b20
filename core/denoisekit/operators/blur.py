"""Circular convolution with a 2-D or 3-D kernel, computed by the FFT.

A circulant operator is diagonalised by the discrete Fourier transform F: A = F^-1 diag(H) F with
H the FFT of the kernel (convolution theorem; e.g. Gonzalez & Woods, "Digital Image Processing",
4th ed., ch. 4). Hence A^H = F^-1 diag(conj H) F (correlation), the pseudo-inverse and the l2
proximal operator are divisions in the Fourier domain, and the SVD is U = F^-1 diag(H/|H|),
s = |H|, V^H = F with the unitary ("ortho") FFT.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from denoisekit.operators.base import Decomposable


def transfer_function(kernel: torch.Tensor, shape: Sequence[int], *, real: bool = False) -> torch.Tensor:
    """H = FFT of ``kernel`` zero-padded to ``shape`` with its centre (index k // 2 on each axis)
    moved to the origin; the half spectrum of ``rfftn`` when ``real``."""
    padded = kernel.new_zeros(tuple(shape))
    padded[tuple(slice(0, k) for k in kernel.shape)] = kernel
    dims = tuple(range(kernel.ndim))
    padded = torch.roll(padded, shifts=[-(k // 2) for k in kernel.shape], dims=dims)
    return torch.fft.rfftn(padded, dim=dims) if real else torch.fft.fftn(padded, dim=dims)


class Blur(Decomposable):
    """A x = kernel (*) x, circular boundary, over the last ``kernel.ndim`` (2 or 3) axes of x.

    The kernel's centre is index k // 2 on each axis (the convention of ``scipy.ndimage.convolve``);
    it must not be larger than the signal. Real signals with a real kernel take the real FFT path
    and stay real.
    """

    def __init__(self, kernel: torch.Tensor):
        super().__init__()
        if kernel.ndim not in (2, 3):
            raise ValueError(f"Blur takes a 2-D or 3-D kernel, got shape {tuple(kernel.shape)}")
        self.register_buffer("kernel", kernel)

    def _dims(self) -> tuple[int, ...]:
        return tuple(range(-self.kernel.ndim, 0))

    def _transfer(self, x: torch.Tensor, real: bool) -> torch.Tensor:
        shape = x.shape[-self.kernel.ndim:]
        if any(k > n for k, n in zip(self.kernel.shape, shape, strict=True)):
            raise ValueError(f"kernel {tuple(self.kernel.shape)} is larger than the signal {tuple(shape)}")
        dtype = x.real.dtype
        if self.kernel.is_complex():
            dtype = torch.complex128 if dtype == torch.float64 else torch.complex64
        return transfer_function(self.kernel.to(device=x.device, dtype=dtype), shape, real=real)

    def _filter(self, x: torch.Tensor, spectrum: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """F^-1 [g(H) F x] for an elementwise g = ``spectrum`` (a callable of H and F x)."""
        dims = self._dims()
        if not x.is_complex() and not self.kernel.is_complex():
            h = self._transfer(x, real=True)
            return torch.fft.irfftn(spectrum(h, torch.fft.rfftn(x, dim=dims)), s=x.shape[-len(dims):], dim=dims)
        h = self._transfer(x, real=False)
        return torch.fft.ifftn(spectrum(h, torch.fft.fftn(x, dim=dims)), dim=dims)

    def A(self, x: torch.Tensor) -> torch.Tensor:
        return self._filter(x, lambda h, fx: h * fx)

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return self._filter(y, lambda h, fy: torch.conj(h) * fy)

    def A_dagger(self, y: torch.Tensor) -> torch.Tensor:
        """F^-1 [conj(H) F y / |H|^2] where |H| > eps * N * max|H| (torch.linalg.pinv's default cut-off), else 0."""

        def pinv(h: torch.Tensor, fy: torch.Tensor) -> torch.Tensor:
            power = h.abs() ** 2
            n = torch.Size(y.shape[-self.kernel.ndim:]).numel()
            keep = h.abs() > torch.finfo(power.dtype).eps * n * h.abs().max()
            return torch.where(keep, torch.conj(h) * fy / torch.where(keep, power, 1), 0)

        return self._filter(y, pinv)

    def prox_l2(self, z: torch.Tensor, y: torch.Tensor, gamma: float | torch.Tensor) -> torch.Tensor:
        """F^-1 [(conj(H) F y + F z / gamma) / (|H|^2 + 1 / gamma)], exact."""
        ahy = self.A_adjoint(y)
        return self._filter(ahy + z / gamma, lambda h, f: f / (h.abs() ** 2 + 1 / gamma))

    def U(self, z: torch.Tensor) -> torch.Tensor:
        return torch.fft.ifftn(self._phase(z) * z, dim=self._dims(), norm="ortho")

    def U_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return torch.conj(self._phase(y)) * torch.fft.fftn(y, dim=self._dims(), norm="ortho")

    def V(self, z: torch.Tensor) -> torch.Tensor:
        """The inverse unitary FFT; complex even for a real signal, whose imaginary part is then zero."""
        return torch.fft.ifftn(z, dim=self._dims(), norm="ortho")

    def V_adjoint(self, x: torch.Tensor) -> torch.Tensor:
        return torch.fft.fftn(x, dim=self._dims(), norm="ortho")

    def singular_values(
        self, x_shape: Sequence[int], *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> torch.Tensor:
        kernel = self.kernel.to(device=device)
        s = transfer_function(kernel, x_shape[-kernel.ndim:]).abs().to(dtype)
        return s.expand(tuple(x_shape))

    def _phase(self, x: torch.Tensor) -> torch.Tensor:
        """H / |H|, with 1 where H = 0 so that U stays unitary."""
        h = self._transfer(x, real=False)
        return torch.where(h.abs() > 0, h / torch.where(h.abs() > 0, h.abs(), 1), 1)
