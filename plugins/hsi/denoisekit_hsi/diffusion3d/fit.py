"""``denoisekit train hsi/diffusion3d --data DIR``: train the 3-D prior on every cube in a folder.

``fit(data, checkpoints, config, ctx)`` reads each file of ``data`` whose suffix is one of the pipeline's formats
(ENVI ``.hdr``, ``.mat``, ``.npy``; other files, such as ENVI binaries, are skipped) with the plugin's readers,
trains with :func:`~denoisekit_hsi.diffusion3d.training.train` (resuming from ``checkpoints``), and returns the
weights payload that ``--set weights=PATH`` loads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from denoisekit.errors import InputError
from denoisekit.pipeline import RunContext
from denoisekit.sample import Sample
from denoisekit_hsi.cube_layout import as_cube


def readers() -> dict[str, Callable[[Path], Sample]]:
    """The cube readers by suffix: ENVI headers and .mat files (this plugin's), .npy (the image domain's; a 3-D
    .npy is a (rows, columns, bands) cube, see :func:`~denoisekit_hsi.cube_layout.as_cube`)."""
    from denoisekit.image.formats import read_npy
    from denoisekit_hsi.formats import read_envi, read_mat

    return {".hdr": read_envi, ".mat": read_mat, ".npy": read_npy}


def read_cubes(data: Path, name: str = "hsi/diffusion3d") -> list[torch.Tensor]:
    """Every cube (bands, H, W) in ``data`` (sorted by name); an InputError when there is none or one is bad."""
    if not data.is_dir():
        raise InputError(data, "the training data must be a folder of cubes")
    by_suffix = readers()
    cubes = []
    for path in sorted(p for p in data.iterdir() if p.is_file() and p.suffix.lower() in by_suffix):
        cubes.append(torch.from_numpy(as_cube(by_suffix[path.suffix.lower()](path), name).data))
    if not cubes:
        raise InputError(data, f"no cube file ({', '.join(by_suffix)}) in this folder")
    return cubes


def fit(data: Path, checkpoints: Path, config: Mapping[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Train on the cubes in ``data`` with ``config`` (the training options); checkpoints in ``checkpoints``."""
    from denoisekit_hsi.diffusion3d.training import train
    from denoisekit_hsi.diffusion3d.unet import architecture, multiple

    cubes = read_cubes(Path(data))
    arch = architecture(config["width"], config["levels"])
    m = multiple(arch)
    side, window = -(-config["patch"] // m) * m, -(-config["band_window"] // m) * m
    ctx.notes.update({"cubes": len(cubes), "patch": [window, side, side], "architecture": arch})
    with ctx.stage("train"):
        return train(cubes, arch=arch, patch=(window, side, side), steps=config["steps"], batch=config["batch"],
                     lr=config["lr"], sigma_train_max=2 * config["sigma_max"], ema_decay=config["ema"],
                     device=ctx.device, seed=ctx.seed, checkpoints=Path(checkpoints),
                     checkpoint_every=config["checkpoint_every"], progress=ctx.show_progress)
