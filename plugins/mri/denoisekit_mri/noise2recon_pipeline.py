"""``mri/noise2recon``: the unrolled network trained with the Noise2Recon objective (``denoisekit train
mri/noise2recon``, or the small shipped weights) run on each slice of a fastMRI k-space file, coil maps by
ESPIRiT from the slice's calibration region; the output is the magnitude image (fastMRI ``reconstruction``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from denoisekit.api import PipelineResult, RunContext, Sample
from denoisekit_mri.acquisition import read_acquisition, reconstruct_slices
from denoisekit_mri.formats import image_sample
from denoisekit_mri.unrolled import Unrolled
from denoisekit_mri.weights_file import load_trained

NAME = "mri/noise2recon"
SHIPPED = Path(__file__).with_name("weights") / "noise2recon.pt"


def load_network(path: str) -> tuple[Unrolled, Path]:
    """The network of a weights file written by ``denoisekit train mri/noise2recon`` ('' = the shipped one)."""
    network, _, file = load_trained(NAME, path, SHIPPED, Unrolled.from_payload)
    return network, file


class Noise2ReconPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        net, file = load_network(str(config["weights"]))
        net = net.to(ctx.device).eval()
        acq = read_acquisition(sample, NAME)
        with torch.no_grad():
            image = reconstruct_slices(acq, ctx, NAME, "reconstruct", lambda y, op, _: net(y, op))
        notes = {**acq.notes(), "weights": "shipped" if file == SHIPPED else str(file), "architecture": net.arch}
        description = f"noise2recon unrolled K={net.arch['unrolls']}"
        return PipelineResult(image_sample(sample, image, acq.recon_size, description), notes=notes)
