"""``mri/cddpm-dc``: per slice, the conditional noise predictor (:mod:`denoisekit_mri.cddpm_network`, trained by
``denoisekit train mri/cddpm-dc`` or the small shipped weights) sampled by DDIM with data consistency on the
predicted x0 in every reverse step (:mod:`denoisekit_mri.cddpm_sampler`) through the multi-coil operator, coil
maps by ESPIRiT from the slice's calibration region. Output: the magnitude image (fastMRI ``reconstruction``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import torch

from denoisekit.api import (
    DiscreteVP,
    PipelineResult,
    RunContext,
    Sample,
)
from denoisekit_mri.acquisition import read_acquisition, reconstruct_slices
from denoisekit_mri.cddpm_network import ConditionalEpsNet, robust_scale
from denoisekit_mri.cddpm_sampler import hard_dc, sample, soft_dc, timesteps
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.formats import image_sample
from denoisekit_mri.weights_file import load_trained

NAME = "mri/cddpm-dc"
SHIPPED = Path(__file__).with_name("weights") / "cddpm.pt"


def load_network(path: str) -> tuple[ConditionalEpsNet, Path]:
    """The network of a weights file written by ``denoisekit train mri/cddpm-dc`` ('' = the shipped one)."""
    network, _, file = load_trained(NAME, path, SHIPPED, ConditionalEpsNet.from_payload)
    return network, file


def support(op: MultiCoilCartesian) -> torch.Tensor:
    """(1 or N, H, W) 0/1: where the coil maps are not all zero (ESPIRiT's maps vanish outside the object)."""
    return (torch.sum(op.maps.abs() ** 2, dim=1) > 0).to(op.maps.real.dtype)


def reconstruct(net: ConditionalEpsNet, y: torch.Tensor, op: MultiCoilCartesian, config: Mapping[str, Any],
                generator: torch.Generator | None = None) -> torch.Tensor:
    """The complex image (1, H, W) of one slice's undersampled k-space ``y`` (1, C, H, W), in y's units."""
    scale = robust_scale(op.A_adjoint(y))
    y = y / scale
    condition = op.A_adjoint(y)
    cg = int(config["cg_iterations"])
    if config["dc"] == "hard":
        dc = partial(hard_dc, iterations=cg)
    else:
        dc = partial(soft_dc, weight=float(config["dc_weight"]), iterations=cg)
    train_steps = int(net.arch["timesteps"])
    with torch.no_grad():
        x = sample(lambda x_t, t: net(x_t, condition, t), DiscreteVP(train_steps), y, op, tuple(condition.shape),
                   timesteps(int(config["steps"]), train_steps), dc, generator, float(config["clip"]),
                   support(op))
    return x * scale


class CddpmPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        net, file = load_network(str(config["weights"]))
        net = net.to(ctx.device).eval()
        acq = read_acquisition(sample, NAME)
        image = reconstruct_slices(acq, ctx, NAME, "sample", lambda y, op, slice_ctx: reconstruct(
            net, y, op, config, slice_ctx.generator()))
        notes = {**acq.notes(), "weights": "shipped" if file == SHIPPED else str(file), "architecture": net.arch,
                 "steps": int(config["steps"]), "dc": config["dc"]}
        description = f"cddpm-dc DDIM {int(config['steps'])} steps, {config['dc']} DC"
        return PipelineResult(image_sample(sample, image, acq.recon_size, description), notes=notes)
