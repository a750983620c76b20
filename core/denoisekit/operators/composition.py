"""Composition of forward operators: (A_1 o A_2 o ... o A_n) x = A_1(A_2(...A_n(x))).

The adjoint applies the adjoints in the reverse order, (A_1 A_2)^H = A_2^H A_1^H; the
pseudo-inverse and the proximal operator fall back to conjugate gradients.
"""

from __future__ import annotations

import torch
from torch import nn

from denoisekit.operators.base import ForwardOperator


class Composition(ForwardOperator):
    """``Composition(op1, op2)`` = ``op1 @ op2``: op2 acts first. Nested compositions are flattened."""

    def __init__(self, *ops: ForwardOperator):
        super().__init__()
        if not ops:
            raise ValueError("Composition needs at least one operator")
        flat = [inner for op in ops for inner in (op.ops if isinstance(op, Composition) else [op])]
        self.ops = nn.ModuleList(flat)

    def A(self, x: torch.Tensor) -> torch.Tensor:
        for op in reversed(self.ops):
            x = op.A(x)
        return x

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        for op in self.ops:
            y = op.A_adjoint(y)
        return y


def compose(*ops: ForwardOperator) -> ForwardOperator:
    """compose(A_1, ..., A_n) = A_1 o ... o A_n (A_n acts first); a single operator is returned as is."""
    return ops[0] if len(ops) == 1 else Composition(*ops)
