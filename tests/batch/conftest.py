"""Shared inputs for the batch tests: tiny noisy images as .npy files, one torch thread."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(1)

FAST = ["--set", "iterations=5", "--quiet"]


def clean_image(index: int) -> np.ndarray:
    yy, xx = np.mgrid[0:24, 0:24] / 24.0
    return (0.5 + 0.4 * np.sin((3 + index) * xx) * np.cos(2 * yy)).astype(np.float32)


def write_inputs(folder: Path, count: int, *, corrupt: str | None = None, references: Path | None = None) -> Path:
    """``count`` noisy images ``img0.npy``... in ``folder`` (``corrupt``: that name holds garbage instead),
    and their clean versions in ``references`` when given."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        clean = clean_image(i)
        np.save(folder / f"img{i}.npy", (clean + rng.normal(0, 0.1, clean.shape)).astype(np.float32))
        if references is not None:
            references.mkdir(parents=True, exist_ok=True)
            np.save(references / f"img{i}.npy", clean)
    if corrupt is not None:
        (folder / corrupt).write_bytes(b"\x93NUMPY\x01\x00 not really an array")
    return folder


def outputs(folder: Path) -> dict[str, np.ndarray]:
    """``{stem: result array}`` of every per-input folder in a batch folder."""
    return {p.name: np.load(p / f"{p.name}.npy") for p in sorted(folder.iterdir())
            if p.is_dir() and not p.name.startswith(".")}


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """Six inputs, ``img5.npy`` corrupt."""
    return write_inputs(tmp_path / "in", 5, corrupt="img5.npy")
