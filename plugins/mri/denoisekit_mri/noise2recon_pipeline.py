"""``mri/noise2recon``: the unrolled network trained with the Noise2Recon objective (``denoisekit train
mri/noise2recon``, or the small shipped weights) run on each slice of a fastMRI k-space file, coil maps by
ESPIRiT from the slice's calibration region; the output is the magnitude image (fastMRI ``reconstruction``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import PipelineResult, RunContext, Sample, for_each_slice
from denoisekit_mri.acquisition import read_acquisition
from denoisekit_mri.coil_operator import MultiCoilCartesian
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
        n, c, h, w = acq.kspace.shape
        with ctx.stage("coil maps"):
            maps = acq.coil_maps()
        mask = acq.mask.expand(n, 1, h, w)

        def one(index: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
            i = int(index)
            device = slice_ctx.device
            op = MultiCoilCartesian(maps[i].to(device), mask[i].to(device))
            with slice_ctx.stage("reconstruct"), torch.no_grad():
                return net(acq.kspace[i][None].to(device), op)[0].abs().cpu().numpy()

        image = for_each_slice(ctx, np.arange(n), one, f"{NAME}: slices")
        notes = {**acq.notes(), "weights": "shipped" if file == SHIPPED else str(file), "architecture": net.arch}
        description = f"noise2recon unrolled K={net.arch['unrolls']}"
        return PipelineResult(image_sample(sample, np.asarray(image), acq.recon_size, description), notes=notes)
