"""Shared helpers for the operator tests: dense matrices of small operators, in float64 or complex128."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
import torch

from denoisekit.operators import ForwardOperator


def dense_matrix(op: ForwardOperator, x_shape: Sequence[int], dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The matrix M with A(x).flatten() = M @ x.flatten(), from A applied to every basis vector
    (x_shape has batch size 1; the basis vectors go through A as one batch)."""
    n = math.prod(x_shape)
    basis = torch.eye(n, dtype=dtype).reshape(n, *x_shape[1:])
    return op.A(basis).reshape(n, -1).T


@pytest.fixture
def dense() -> Callable[..., torch.Tensor]:
    return dense_matrix
