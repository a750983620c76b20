"""Elementwise masking A x = m * x (inpainting, k-space undersampling, weighted data terms).

A real mask is diagonal, so it is its own adjoint, its pseudo-inverse divides on the support, and
its proximal operator and SVD are elementwise: s = |m|, U = sign(m), V = I.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from denoisekit.operators.base import Decomposable


class Mask(Decomposable):
    """A x = m * x for a real mask ``m`` (binary or weighted) that broadcasts against x, e.g. (H, W),
    (C, 1, 1) or (B, C, H, W)."""

    def __init__(self, mask: torch.Tensor):
        super().__init__()
        if mask.is_complex():
            raise ValueError("Mask takes a real mask (binary or weights)")
        self.register_buffer("mask", mask)

    def _m(self, x: torch.Tensor) -> torch.Tensor:
        return self.mask.to(device=x.device, dtype=x.real.dtype)

    def A(self, x: torch.Tensor) -> torch.Tensor:
        return self._m(x) * x

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return self._m(y) * y

    def A_dagger(self, y: torch.Tensor) -> torch.Tensor:
        """y / m on the support (m != 0), zero elsewhere; for a binary mask this is m * y."""
        m = self._m(y)
        return torch.where(m != 0, y / torch.where(m != 0, m, 1), 0)

    def prox_l2(self, z: torch.Tensor, y: torch.Tensor, gamma: float | torch.Tensor) -> torch.Tensor:
        """(m y + z / gamma) / (m^2 + 1 / gamma), elementwise."""
        m = self._m(z)
        return (m * y + z / gamma) / (m**2 + 1 / gamma)

    def U(self, z: torch.Tensor) -> torch.Tensor:
        return self._sign(z) * z

    def U_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return self._sign(y) * y

    def V(self, z: torch.Tensor) -> torch.Tensor:
        return z

    def V_adjoint(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def singular_values(
        self, x_shape: Sequence[int], *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> torch.Tensor:
        return self.mask.to(device=device, dtype=dtype).abs().expand(tuple(x_shape))

    def _sign(self, x: torch.Tensor) -> torch.Tensor:
        """sign(m) with sign(0) = 1, so that U stays unitary."""
        return torch.where(self._m(x) < 0, -1.0, 1.0).to(x.real.dtype)
