"""The ``hsi/dds2m`` pipeline: a cube in any layout -> [-1, 1] -> noise level -> :func:`dds2m_restore` -> back.

The cube is mapped to [-1, 1] with its own min and max (the paper's ``2x - 1`` on [0, 1] data), so
``sigma_y = 2 sigma / (max - min)``. Given ``sigma`` (data units) the noise is taken as iid; with ``sigma = 0`` each
band's level is estimated (:mod:`~denoisekit_hsi.dds2m.noise_level`) and, with ``noniid``, the bands are scaled to a
common level before the diffusion and scaled back after (non-iid Gaussian noise becomes iid; the rank is kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from denoisekit.api import PipelineResult, RunContext, Sample
from denoisekit_hsi.cube_layout import as_cube
from denoisekit_hsi.dds2m.noise_level import cube_noise
from denoisekit_hsi.dds2m.restore import DDS2MSettings, dds2m_restore


def settings_from(config: Mapping[str, Any]) -> DDS2MSettings:
    """The restoration settings from the pipeline's options."""
    width = config["width"]
    return DDS2MSettings(rank=config["rank"], steps=config["steps"], inner_steps=config["inner_iterations"],
                         start=config["start"], lr=config["lr"], kl_weight=config["kl_weight"], eta=config["eta"],
                         ema=config["ema"], channels=tuple(width * 2**i for i in range(config["levels"])),
                         skip=config["skip"], hidden=(config["hidden"],) * 2)


class DDS2MPipeline:
    """Self-supervised DDS2M denoising of one hyperspectral cube (no training data, no weights)."""

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        cube = as_cube(sample, "hsi/dds2m")
        lo, hi = float(cube.array[0].min()), float(cube.array[0].max())
        span = (hi - lo) or 1.0
        y = torch.from_numpy(cube.array[0]).to(ctx.device).sub_(lo).mul_(2 / span).sub_(1)

        noise = cube_noise(y, config["sigma"], span, config["noniid"])
        sigma_y, scales = noise.sigma_y, noise.scales
        band_scale = scales.to(device=ctx.device, dtype=y.dtype)[:, None, None]
        settings = settings_from(config)
        notes: dict[str, Any] = {**noise.notes(span), "band_scale_range": [float(scales.min()), float(scales.max())],
                                 "network_updates": settings.steps * settings.inner_steps}
        if sigma_y <= 0.01:
            notes["warning"] = "noise level at most 0.005 of the data range: the input is returned as it is"

        with ctx.stage("dds2m"):
            out = dds2m_restore(y / band_scale, sigma_y, settings, generator=ctx.generator(),
                                progress=ctx.show_progress) * band_scale
        result = (out.add_(1).mul_(span / 2).add_(lo)).cpu().numpy().astype(np.float32)
        return PipelineResult(cube.restore(result[None], sample, config["clip"]), notes=notes)
