"""The classical-baseline pipelines (hsi/fasthyde, hsi/fasthyde-mixed, hsi/hyres, hsi/hyminor): a Sample in, a
PipelineResult out (the restored cube and the method's notes for run.json), on ``ctx.device``. A cube is
(rows, columns, bands), ``HWC``, from each of the plugin's readers (ENVI, .mat, ``npy-cube``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from denoisekit.api import PipelineResult, RunContext, Sample, UserError
from denoisekit_hsi.cube_layout import bands_last
from denoisekit_hsi.fasthyde import fasthyde
from denoisekit_hsi.fasthyde_mixed import fasthyde_mixed
from denoisekit_hsi.hyminor import hyminor
from denoisekit_hsi.hyres import hyres


def cube_of(sample: Sample, ctx: RunContext) -> torch.Tensor:
    """The sample's cube as a new float32 (H, W, B) tensor on the run's device (one copy, which the pipeline may
    change), checked by :func:`bands_last`."""
    cube = bands_last(sample, "this pipeline")
    return torch.from_numpy(np.array(cube, dtype=np.float32, order="C")).to(ctx.device)


def output_of(sample: Sample, cube: torch.Tensor, processing: str) -> Sample:
    """``cube`` back in the sample's axis order, with ``processing`` as the output's description."""
    array = cube.detach().cpu().numpy()
    if "C" in sample.axes:
        array = np.moveaxis(array, -1, sample.axes.index("C"))
    return replace(sample, array=array, description=processing)


def _describe(name: str, config: Mapping[str, Any]) -> str:
    return f"{name} (" + ", ".join(f"{k}={v}" for k, v in config.items()) + ")"


def check_subspace(sample: Sample, k: int, bands: int) -> None:
    """A UserError when the subspace dimension ``k`` exceeds the cube's bands (it would be cut to ``bands``)."""
    if k > bands:
        raise UserError(f"option 'k' = {k} exceeds the {bands} bands of {sample.path or 'the input'} "
                        f"(use k <= {bands}, or k = 0 to let HySime choose)")


class FastHyDePipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        cube = bands_last(sample, "hsi/fasthyde")  # the sample's array as it is: a memmap stays mapped
        check_subspace(sample, config["k"], cube.shape[-1])
        info: dict[str, Any] = {}
        with torch.no_grad():
            out = fasthyde(cube, k=config["k"], iid=config["iid"], patch=config["patch"],
                           threshold=config["threshold"], wiener=config["wiener"], progress=ctx.progress,
                           info=info, rows=config["rows"], device=ctx.device)
        return PipelineResult(output_of(sample, torch.from_numpy(out), _describe("hsi/fasthyde", config)), notes=info)


class HyResPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        cube = cube_of(sample, ctx)
        info: dict[str, Any] = {}
        with torch.no_grad():
            out = hyres(cube, levels=config["levels"], moments=config["moments"], info=info)
        return PipelineResult(output_of(sample, out, _describe("hsi/hyres", config)), notes=info)


class HyMiNoRPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        cube = cube_of(sample, ctx)
        info: dict[str, Any] = {}
        with torch.no_grad():
            out = hyminor(cube, iterations=config["iterations"], kappa=config["kappa"],
                          denoiser=config["denoiser"], progress=ctx.progress, info=info)
        return PipelineResult(output_of(sample, out, _describe("hsi/hyminor", config)), notes=info)


class FastHyDeMixedPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        cube = cube_of(sample, ctx)
        check_subspace(sample, config["k"], cube.shape[-1])
        info: dict[str, Any] = {}
        with torch.no_grad():
            out = fasthyde_mixed(cube, iterations=config["iterations"], kappa=config["kappa"], k=config["k"],
                                 min_fraction=config["min_fraction"], destripe=config["destripe"],
                                 progress=ctx.progress, info=info)
        return PipelineResult(output_of(sample, out, _describe("hsi/fasthyde-mixed", config)), notes=info)
