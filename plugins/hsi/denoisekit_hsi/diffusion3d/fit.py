"""``denoisekit train hsi/diffusion3d --data DIR``: train the 3-D prior on every cube in a folder.

``fit(data, checkpoints, config, ctx)`` reads each file of ``data`` that one of the pipeline's formats reads
(ENVI ``.hdr``, ``.mat``, ``.npy``; other files, such as ENVI binaries, are skipped) with the host's readers,
trains with :func:`~denoisekit_hsi.diffusion3d.training.train` (resuming from ``checkpoints``), and returns the
weights payload that ``--set weights=PATH`` loads, with train.json's notes (cubes, patch, architecture).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from denoisekit.api import FitResult, InputError, RunContext, TrainingData
from denoisekit_hsi.cube_layout import as_cube


def read_cubes(data: TrainingData, name: str = "hsi/diffusion3d") -> list[torch.Tensor]:
    """Every cube (bands, H, W) in ``data``'s folder (sorted by name), read by the pipeline's formats through the
    host; an InputError when there is none or one is bad."""
    paths = data.files()
    if not paths:
        raise InputError(data.folder, f"no cube file ({', '.join(data.suffixes)}) in this folder")
    return [torch.from_numpy(as_cube(data.read(path), name).array[0]) for path in paths]


def fit(data: TrainingData, checkpoints: Path, config: Mapping[str, Any], ctx: RunContext) -> FitResult:
    """Train on the cubes in ``data`` with ``config`` (the training options); checkpoints in ``checkpoints``."""
    from denoisekit_hsi.diffusion3d.training import train
    from denoisekit_hsi.diffusion3d.unet import architecture, multiple

    cubes = read_cubes(data)
    arch = architecture(config["width"], config["levels"])
    m = multiple(arch)
    side, window = -(-config["patch"] // m) * m, -(-config["band_window"] // m) * m
    with ctx.stage("train"):
        weights = train(cubes, arch=arch, patch=(window, side, side), steps=config["iterations"], batch=config["batch"],
                        lr=config["lr"], sigma_train_max=2 * config["sigma_max"], ema_decay=config["ema"],
                        device=ctx.device, seed=ctx.seed, checkpoints=Path(checkpoints),
                        checkpoint_every=config["checkpoint_every"], progress=ctx.show_progress)
    return FitResult(weights, notes={"cubes": len(cubes), "patch": [window, side, side], "architecture": arch})
