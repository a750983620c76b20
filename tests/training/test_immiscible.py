"""Immiscible assignment (Li et al., NeurIPS 2024): a permutation of the noise batch that lowers
the mean image-noise distance, optimal by brute force on a small batch."""

from __future__ import annotations

import itertools

import pytest
import torch

from denoisekit.training import assignment, immiscible_assign


def batch(n: int, seed: int = 0, shape=(1, 8, 8)) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, *shape, generator=g), torch.randn(n, *shape, generator=g)


def mean_distance(x: torch.Tensor, noise: torch.Tensor) -> float:
    return (x - noise).flatten(1).norm(dim=1).mean().item()


def test_noise_is_only_permuted_and_closer():
    x, noise = batch(32)
    perm = assignment(x, noise)
    assert torch.equal(perm.sort().values, torch.arange(32))
    assigned = immiscible_assign(x, noise)
    assert torch.equal(assigned, noise[perm])
    assert torch.equal(assigned[perm.argsort()], noise)  # the same set of noise samples
    assert mean_distance(x, assigned) < mean_distance(x, noise)


def test_assignment_is_optimal():
    x, noise = batch(6, seed=1)
    cost = torch.cdist(x.flatten(1), noise.flatten(1))
    best = min(sum(cost[i, p[i]].item() for i in range(6)) for p in itertools.permutations(range(6)))
    perm = assignment(x, noise)
    assert sum(cost[i, perm[i]].item() for i in range(6)) == pytest.approx(best, rel=1e-6)


def test_a_batch_of_one_is_unchanged():
    x, noise = batch(1)
    assert torch.equal(immiscible_assign(x, noise), noise)


def test_complex_and_half_inputs():
    x, noise = batch(8, shape=(2, 4, 4))
    perm = assignment(torch.view_as_complex(x.permute(0, 2, 3, 1).contiguous()),
                      torch.view_as_complex(noise.permute(0, 2, 3, 1).contiguous()))
    assert torch.equal(perm, assignment(x, noise))
    assert torch.equal(assignment(x.half(), noise.half()).sort().values, torch.arange(8))


def test_shape_mismatch_is_an_error():
    x, noise = batch(4)
    with pytest.raises(ValueError, match="differ in shape"):
        immiscible_assign(x, noise[:3])
