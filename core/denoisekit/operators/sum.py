"""A sum of forward operators (A_1 + ... + A_n) x with (sum A_i)^H = sum A_i^H."""

from __future__ import annotations

import torch
from torch import nn

from denoisekit.operators.base import ForwardOperator


class Sum(ForwardOperator):
    """``Sum(op1, op2)`` = ``op1 + op2``; every term must map x to the same shape. The pseudo-inverse and
    proximal operator fall back to conjugate gradients."""

    def __init__(self, *ops: ForwardOperator):
        super().__init__()
        if not ops:
            raise ValueError("Sum needs at least one operator")
        self.ops = nn.ModuleList(ops)

    def A(self, x: torch.Tensor) -> torch.Tensor:
        return sum((op.A(x) for op in self.ops[1:]), self.ops[0].A(x))

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return sum((op.A_adjoint(y) for op in self.ops[1:]), self.ops[0].A_adjoint(y))
