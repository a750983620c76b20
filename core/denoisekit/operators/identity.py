"""The identity operator A = I (denoising): U = V = I and every singular value is 1."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from denoisekit.operators.base import Decomposable


class Identity(Decomposable):
    """A x = x; A^H = A^+ = I; prox_l2(z, y, gamma) = (gamma y + z) / (gamma + 1)."""

    def A(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return y

    def A_dagger(self, y: torch.Tensor) -> torch.Tensor:
        return y

    def prox_l2(self, z: torch.Tensor, y: torch.Tensor, gamma: float | torch.Tensor) -> torch.Tensor:
        return (gamma * y + z) / (gamma + 1)

    def U(self, z: torch.Tensor) -> torch.Tensor:
        return z

    def U_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return y

    def V(self, z: torch.Tensor) -> torch.Tensor:
        return z

    def V_adjoint(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def singular_values(
        self, x_shape: Sequence[int], *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> torch.Tensor:
        return torch.ones(tuple(x_shape), dtype=dtype, device=device)
