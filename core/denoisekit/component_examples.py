"""Small instances of the core's building blocks for the conformance kit (``record.example``).

Imported only when an example is built, so the core plugin stays light at start-up.
"""

from __future__ import annotations

import torch

from denoisekit import noise, operators

X_SHAPE = (2, 1, 8, 8)


def _generator() -> torch.Generator:
    return torch.Generator().manual_seed(0)


def identity() -> tuple[operators.ForwardOperator, tuple[int, ...]]:
    return operators.Identity(), X_SHAPE


def mask() -> tuple[operators.ForwardOperator, tuple[int, ...]]:
    keep = (torch.rand(X_SHAPE[-2:], generator=_generator()) > 0.4).double()
    return operators.Mask(keep), X_SHAPE


def blur() -> tuple[operators.ForwardOperator, tuple[int, ...]]:
    kernel = torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], dtype=torch.float64) / 16
    return operators.Blur(kernel), X_SHAPE


def non_iid() -> noise.NoiseModel:
    return noise.NonIID(0.05 + 0.1 * torch.rand((1, 1, *X_SHAPE[-2:]), generator=_generator(), dtype=torch.float64))


def correlated() -> noise.NoiseModel:
    return noise.Correlated(0.1, torch.ones(3, 3, dtype=torch.float64) / 9)
