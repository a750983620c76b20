"""Shared fixtures for the data loader's tests: tiny arrays, npy files and a noise degradation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(1)


def add_noise(batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
    """The training pair: ``y`` is ``x`` plus Gaussian noise drawn from the loader's generator."""
    x = batch["x"]
    return {**batch, "y": x + 0.1 * torch.randn(x.shape, generator=generator, device=x.device)}


@pytest.fixture
def noise() -> Callable:
    return add_noise


@pytest.fixture
def labelled() -> list[np.ndarray]:
    """Ten 1x4x4 samples, sample ``i`` filled with the value ``i`` (a batch shows which samples it holds)."""
    return [np.full((1, 4, 4), i, dtype=np.float32) for i in range(10)]


@pytest.fixture
def npy_files(tmp_path: Path) -> list[Path]:
    """Six 2-D float32 images ``0.npy`` .. ``5.npy`` (8x8, filled with their index)."""
    paths = []
    for i in range(6):
        paths.append(tmp_path / "data" / f"{i}.npy")
        paths[-1].parent.mkdir(exist_ok=True)
        np.save(paths[-1], np.full((8, 8), i, dtype=np.float32))
    return paths
