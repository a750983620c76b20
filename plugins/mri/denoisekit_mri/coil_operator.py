"""The multi-coil Cartesian MRI forward model (SENSE; Pruessmann et al., MRM 42(5), 1999):

    y_c = M F (S_c x),   c = 1..C,

x the complex image (N, H, W), S the coil sensitivity maps (N or 1, C, H, W), F the centred unitary
2-D FFT and M a real sampling mask (binary or weights) broadcastable to (N, 1, H, W). The adjoint is
A^H y = sum_c conj(S_c) F^H (M y_c). Single-coil data are C = 1 with maps of ones.
"""

from __future__ import annotations

import torch

from denoisekit.api import ForwardOperator
from denoisekit_mri.fft import fft2c, ifft2c


class MultiCoilCartesian(ForwardOperator):
    """A x = mask * fft2c(maps * x): image (N, H, W) complex -> k-space (N, C, H, W).

    maps: (C, H, W) or (N, C, H, W) complex coil sensitivities (N may be 1 and broadcast).
    mask: real, broadcastable to (N, 1, H, W), e.g. (W,) columns, (H, W) or (N, 1, 1, W); bool is taken as 0/1.
    """

    def __init__(self, maps: torch.Tensor, mask: torch.Tensor):
        super().__init__()
        if maps.ndim == 3:
            maps = maps[None]
        if maps.ndim != 4:
            raise ValueError(f"maps must be (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
        if mask.is_complex():
            raise ValueError("the sampling mask must be real (binary or weights)")
        mask = mask.to(maps.real.dtype) if mask.dtype == torch.bool else mask
        self.register_buffer("maps", maps if maps.is_complex() else maps.to(torch.complex64))
        self.register_buffer("mask", mask)

    @classmethod
    def single_coil(cls, shape: tuple[int, int], mask: torch.Tensor, *, dtype: torch.dtype = torch.complex64,
                    device: torch.device | str | None = None) -> MultiCoilCartesian:
        """The single-coil operator A x = mask * fft2c(x), as C = 1 with a map of ones."""
        return cls(torch.ones((1, 1, *shape), dtype=dtype, device=device), mask)

    @property
    def coils(self) -> int:
        return self.maps.shape[1]

    def _maps(self, like: torch.Tensor) -> torch.Tensor:
        dtype = torch.complex128 if like.real.dtype == torch.float64 else torch.complex64
        return self.maps.to(device=like.device, dtype=dtype)

    def _mask(self, like: torch.Tensor) -> torch.Tensor:
        return self.mask.to(device=like.device, dtype=like.real.dtype)

    def A(self, x: torch.Tensor) -> torch.Tensor:
        return self._mask(x) * fft2c(self._maps(x) * x[:, None])

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return torch.sum(torch.conj(self._maps(y)) * ifft2c(self._mask(y) * y), dim=1)

    def normal(self, x: torch.Tensor) -> torch.Tensor:
        """A^H A x (the mask applied once: exact for binary masks, M^2 for weights as A^H A requires)."""
        return self.A_adjoint(self.A(x))


def example_operator() -> tuple[MultiCoilCartesian, tuple[int, int, int]]:
    """A small 4-coil operator with a random column mask, for the conformance kit's adjointness check."""
    g = torch.Generator().manual_seed(0)
    maps = torch.randn((2, 4, 12, 10), generator=g, dtype=torch.complex128)
    maps = maps / torch.sqrt(torch.sum(maps.abs() ** 2, dim=1, keepdim=True))
    mask = (torch.rand((1, 1, 1, 10), generator=g) > 0.5).to(torch.float64)
    return MultiCoilCartesian(maps, mask), (2, 12, 10)


def coil_operator(maps: torch.Tensor, mask: torch.Tensor) -> MultiCoilCartesian:
    """The registered factory: ``MultiCoilCartesian(maps, mask)``."""
    return MultiCoilCartesian(maps, mask)
