"""A scaled operator c A for a real or complex scalar c != 0."""

from __future__ import annotations

import torch

from denoisekit.operators.base import ForwardOperator


class Scaled(ForwardOperator):
    """(c A)^H = conj(c) A^H; (c A)^+ = A^+ / c; and since ||c A x - y||^2 = |c|^2 ||A x - y / c||^2,
    prox_{cA}(z, y, gamma) = prox_A(z, y / c, gamma |c|^2), which keeps the inner operator's closed form."""

    def __init__(self, op: ForwardOperator, scale: complex | float):
        super().__init__()
        if scale == 0:
            raise ValueError("Scaled needs a non-zero scale")
        self.op = op
        self.scale = complex(scale) if isinstance(scale, complex) else float(scale)

    def A(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * self.op.A(x)

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return self.scale.conjugate() * self.op.A_adjoint(y)

    def A_dagger(self, y: torch.Tensor) -> torch.Tensor:
        return self.op.A_dagger(y) / self.scale

    def prox_l2(self, z: torch.Tensor, y: torch.Tensor, gamma: float | torch.Tensor) -> torch.Tensor:
        return self.op.prox_l2(z, y / self.scale, gamma * abs(self.scale) ** 2)
