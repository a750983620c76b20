"""``mri/disgan``: a magnitude NIfTI volume super-resolved by ``scale`` along the slice axis or all axes (zero-padded
k-space interpolation, then the DISGAN generator, :mod:`denoisekit_mri.disgan_networks`), written as NIfTI with
the affine's voxel size divided by the factors. ``scale=1`` keeps the grid and only runs the generator (its
side effect, noise removal). Large volumes run in overlapping tiles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import InputError, PipelineResult, RunContext, Sample
from denoisekit_mri.disgan_networks import Generator
from denoisekit_mri.disgan_train import intensity_scale
from denoisekit_mri.volume_kspace import factors_for, scaled_affine, sinc_upsample
from denoisekit_mri.weights_file import load_trained

NAME = "mri/disgan"
SHIPPED = Path(__file__).with_name("weights") / "disgan.pt"
MARGIN = 12  # voxels of context around each tile (the generator's receptive field is 19 convs of 3x3x3)


def load_generator(path: str) -> tuple[Generator, dict[str, Any], Path]:
    """The generator of a weights file written by ``denoisekit train mri/disgan`` ('' = the shipped one), and the
    degradation it was trained for."""
    generator, payload, file = load_trained(NAME, path, SHIPPED, Generator.from_payload, "generator")
    return generator, dict(payload.get("degradation", {})), file


def _starts(n: int, tile: int) -> list[int]:
    if n <= tile:
        return [0]
    count = -(-n // tile)
    return [round(i * (n - tile) / (count - 1)) for i in range(count)]


def apply_tiled(net: Generator, volume: torch.Tensor, tile: int) -> torch.Tensor:
    """``net`` on (D, H, W) ``volume`` in tiles of at most ``tile`` voxels per axis, each run with ``MARGIN``
    voxels of context that are then dropped; tiles overlap and the later one wins."""
    out = torch.empty_like(volume)
    shape = volume.shape
    for a in _starts(shape[0], tile):
        for b in _starts(shape[1], tile):
            for c in _starts(shape[2], tile):
                core = [(s, min(s + tile, n)) for s, n in zip((a, b, c), shape, strict=True)]
                outer = [(max(s - MARGIN, 0), min(e + MARGIN, n)) for (s, e), n in zip(core, shape, strict=True)]
                block = volume[tuple(slice(s, e) for s, e in outer)][None, None]
                result = net(block)[0, 0]
                inner = tuple(slice(s - o, e - o) for (s, e), (o, _) in zip(core, outer, strict=True))
                out[tuple(slice(s, e) for s, e in core)] = result[inner]
    return out


def super_resolve(net: Generator, volume: np.ndarray, factors: tuple[int, int, int], tile: int,
                  device: torch.device | str = "cpu") -> np.ndarray:
    """The magnitude (D, H, W) ``volume`` interpolated by ``factors`` (zero-padded k-space) and restored by
    ``net`` in tiles, intensities divided by the input's 99.5th percentile on the way in and back on the way out."""
    scale = intensity_scale(volume)
    x = sinc_upsample(torch.from_numpy(volume).to(device), factors) / scale
    with torch.no_grad():
        y = apply_tiled(net, x, tile).clamp_min(0) * scale
    return y.cpu().numpy().astype(np.float32)


def check_volume(sample: Sample) -> np.ndarray:
    """The magnitude (D, H, W) volume of a NIfTI sample, or an InputError for a 2-D image."""
    array = np.asarray(sample.array)
    if sample.meta.get("ndim") == 2 or array.ndim != 3 or min(array.shape) < 2:
        shape = array.shape[1:] if sample.meta.get("ndim") == 2 else array.shape
        raise InputError(sample.path or Path("input"), f"a 2-D image of shape {tuple(shape)}: {NAME} needs a 3-D "
                                                      "volume (x, y, z) with at least 2 slices")
    return np.abs(array).astype(np.float32)


class DisganPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        volume = check_volume(sample)
        net, trained, file = load_generator(str(config["weights"]))
        net = net.to(ctx.device).eval()
        factors = factors_for(int(config["scale"]), str(config["axes"]))
        with ctx.stage("super-resolve"):
            y = super_resolve(net, volume, factors, int(config["tile"]), ctx.device)
        meta = dict(sample.meta)
        meta["affine"] = scaled_affine(sample.meta.get("affine", np.eye(4)), factors)
        notes = {"weights": "shipped" if file == SHIPPED else str(file), "architecture": net.arch,
                 "factors_dhw": list(factors), "trained_for": trained, "input_shape": list(volume.shape),
                 "complex_input_as_magnitude": bool(np.iscomplexobj(sample.array))}
        description = f"disgan x{config['scale']} ({config['axes']})"
        out = replace(sample, array=y, meta=meta, description=description)
        return PipelineResult(out, notes=notes)
