"""The classical-baseline pipelines (hsi/fasthyde, hsi/fasthyde-mixed, hsi/hyres, hsi/hyminor): Sample in,
Sample out, on ``ctx.device``. A 3-D cube is (rows, columns, bands): ``HWC`` from ENVI and .mat, and any
3-D .npy (which the image domain's reader labels ``DHW``) is taken in that order too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from denoisekit.errors import InputError
from denoisekit.pipeline import RunContext
from denoisekit.sample import Sample
from denoisekit_hsi.cube_layout import as_cube
from denoisekit_hsi.fasthyde import fasthyde
from denoisekit_hsi.fasthyde_mixed import fasthyde_mixed
from denoisekit_hsi.hyminor import hyminor
from denoisekit_hsi.hyres import hyres


def cube_of(sample: Sample, ctx: RunContext) -> torch.Tensor:
    """The sample's cube as a float32 (H, W, B) tensor on the run's device, checked by :func:`as_cube`."""
    bands_first = as_cube(sample, "this pipeline").data
    return torch.from_numpy(bands_first).permute(1, 2, 0).contiguous().to(ctx.device)


def output_of(sample: Sample, cube: torch.Tensor, processing: str) -> Sample:
    """``cube`` back in the sample's axis order, with a note for the output header's description."""
    array = cube.detach().cpu().numpy()
    if "C" in sample.axes:
        array = np.moveaxis(array, -1, sample.axes.index("C"))
    return replace(sample, array=array, meta={**sample.meta, "processing": processing})


def _describe(name: str, config: Mapping[str, Any]) -> str:
    return f"{name} (" + ", ".join(f"{k}={v}" for k, v in config.items()) + ")"


def _bands_last(sample: Sample) -> np.ndarray:
    """The sample's array (a memmap stays a memmap) viewed as (H, W, B), checked like :func:`cube_of`."""
    array = sample.array
    if array.ndim != 3:
        raise InputError(sample.path or "input", f"expected a 3-D cube (rows, columns, bands), got shape {array.shape}")
    return np.moveaxis(array, sample.axes.index("C"), -1) if "C" in sample.axes else array


class FastHyDePipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> Sample:
        options = dict(k=config["k"], iid=config["iid"], patch=config["patch"], threshold=config["threshold"],
                       wiener=config["wiener"], progress=ctx.progress, info=ctx.notes)
        with torch.no_grad():
            if config["rows"] > 0:  # stream the (memory-mapped) array in blocks of rows
                array = fasthyde(_bands_last(sample), rows=config["rows"], device=ctx.device, **options)
                out = torch.from_numpy(array)
            else:
                out = fasthyde(cube_of(sample, ctx), **options)
        return output_of(sample, out, _describe("hsi/fasthyde", config))


class HyResPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> Sample:
        cube = cube_of(sample, ctx)
        with torch.no_grad():
            out = hyres(cube, levels=config["levels"], moments=config["moments"], info=ctx.notes)
        return output_of(sample, out, _describe("hsi/hyres", config))


class HyMiNoRPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> Sample:
        cube = cube_of(sample, ctx)
        with torch.no_grad():
            out = hyminor(cube, iterations=config["iterations"], kappa=config["kappa"],
                          denoiser=config["denoiser"], progress=ctx.progress, info=ctx.notes)
        return output_of(sample, out, _describe("hsi/hyminor", config))


class FastHyDeMixedPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> Sample:
        cube = cube_of(sample, ctx)
        with torch.no_grad():
            out = fasthyde_mixed(cube, iterations=config["iterations"], kappa=config["kappa"], k=config["k"],
                                 min_fraction=config["min_fraction"], destripe=config["destripe"],
                                 progress=ctx.progress, info=ctx.notes)
        return output_of(sample, out, _describe("hsi/fasthyde-mixed", config))
