"""Structured corruptions (stripes, dead lines, impulse): frequencies within 5 standard errors, the line
geometry, determinism, and the NotImplementedError of their Tweedie formula and likelihood."""

from __future__ import annotations

import pytest
import torch

from denoisekit.noise import DeadLines, Impulse, Stripes

X = torch.full((64, 3, 32, 64), 0.5, dtype=torch.float64)  # 64 * 3 * 64 = 12288 columns, 393216 pixels


def within(observed: float, p: float, n: int) -> bool:
    return abs(observed - p) <= 5 * (p * (1 - p) / n) ** 0.5


def test_stripes_are_constant_along_columns() -> None:
    y = Stripes(0.2, fraction=0.3).sample(X, torch.Generator().manual_seed(0))
    offset = y - X
    assert torch.equal(offset, offset[..., :1, :].expand_as(offset))  # axis=-2: constant along H
    columns = offset[..., 0, :].flatten()
    striped = columns != 0
    assert within(float(striped.double().mean()), 0.3, columns.numel())
    n = int(striped.sum())
    assert float(columns[striped].std()) == pytest.approx(0.2, abs=5 * 0.2 / (2 * n) ** 0.5)


def test_stripes_along_the_other_axis() -> None:
    offset = Stripes(0.2, axis=-1).sample(X, torch.Generator().manual_seed(1)) - X
    assert torch.equal(offset, offset[..., :1].expand_as(offset))


def test_dead_lines() -> None:
    y = DeadLines(0.1, value=-1.0).sample(X, torch.Generator().manual_seed(2))
    dead = (y == -1.0).all(dim=-2)
    assert torch.equal((y == -1.0).any(dim=-2), dead)  # whole columns or nothing
    assert within(float(dead.double().mean()), 0.1, dead.numel())
    assert torch.equal(y[~dead.unsqueeze(-2).expand_as(y)], X[~dead.unsqueeze(-2).expand_as(y)])


def test_impulse() -> None:
    y = Impulse(0.2, low=-1.0, high=2.0, salt=0.25).sample(X, torch.Generator().manual_seed(3))
    salt, pepper = (y == 2.0), (y == -1.0)
    assert bool(((y == 0.5) | salt | pepper).all())
    assert within(float((salt | pepper).double().mean()), 0.2, y.numel())
    assert within(float(salt.double().sum() / (salt | pepper).sum()), 0.25, int((salt | pepper).sum()))


@pytest.mark.parametrize("model", [Stripes(0.1), DeadLines(0.1), Impulse(0.1)], ids=lambda m: type(m).__name__)
def test_samplers_only(model) -> None:
    first = model.sample(X[:2], torch.Generator().manual_seed(4))
    assert torch.equal(first, model.sample(X[:2], torch.Generator().manual_seed(4)))
    assert first.dtype == X.dtype and first.shape == X[:2].shape
    with pytest.raises(NotImplementedError, match="no Tweedie formula"):
        model.tweedie(first, first)
    with pytest.raises(NotImplementedError, match="sampler only"):
        model.nll_grad(first, first)
