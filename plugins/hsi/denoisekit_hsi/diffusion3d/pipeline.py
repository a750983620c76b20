"""The ``hsi/diffusion3d`` pipeline: reverse diffusion with the 3-D patch prior, started from the noisy cube.

A noisy cube ``y = x0 + sigma_y eps`` (on [-1, 1]) is a draw of the prior's forward process at the time ``t0``
with ``sigma(t0) = sigma_y`` (unscaled variable), so the reverse process starts at ``x_t0 = scale(t0) y`` on the
training schedule cut at ``t0`` (a new ``Truncated`` schedule; the prior's own is not changed), the start of DDRM
and of the image domain's ``image/ddim`` (CCDF's idea of starting late, without its re-noising of an already noisy
input), and a sampler found through the run context runs ``steps`` steps down to t = 0. ``steps = 0`` is one
evaluation ``D(y, sigma_y)``, the MMSE estimate. Noise level and non-iid handling are those of ``hsi/dds2m``
(:mod:`denoisekit_hsi.dds2m.noise_level`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import PipelineResult, RunContext, Sample, Truncated
from denoisekit_hsi.cube_layout import as_cube
from denoisekit_hsi.dds2m.noise_level import cube_noise
from denoisekit_hsi.diffusion3d.prior import PatchPrior, load_prior, shipped_weights
from denoisekit_hsi.diffusion3d.training import prepare

Tensor = torch.Tensor


@torch.no_grad()
def restore(y: Tensor, prior: PatchPrior, sigma_y: float, steps: int, sampler: Any = None, *,
            generator: torch.Generator | None = None, progress: bool = False) -> Tensor:
    """Denoise ``y`` (bands, H, W), already edge-padded to at least the prior's patch, on [-1, 1]."""
    if sigma_y <= 0:
        return y.clone()
    x = y[None]
    if steps == 0:
        return prior(x, sigma_y)[0]
    schedule = Truncated.at_sigma(prior.schedule, sigma_y)
    x_T = float(schedule.scale(schedule.t_max)) * x
    return sampler.sample(prior, schedule, x_T, steps=steps, generator=generator, progress=progress)[0]


class Diffusion3DPipeline:
    """Denoise one cube with the shipped (or a user-trained) 3-D diffusion prior."""

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        cube = as_cube(sample, "hsi/diffusion3d")
        with ctx.stage("load"):
            weights = Path(config["weights"]).expanduser() if config["weights"] else shipped_weights()
            prior = load_prior(weights, ctx.device, batch=config["batch"], overlap=config["overlap"])
        sampler = ctx.sampler(config["sampler"]) if config["steps"] > 0 else None

        lo, hi = float(cube.array[0].min()), float(cube.array[0].max())
        span = (hi - lo) or 1.0
        shape = cube.array[0].shape
        y = prepare(torch.from_numpy(cube.array[0]).to(ctx.device), prior.patch)

        noise = cube_noise(y[: shape[0], : shape[1], : shape[2]], config["sigma"], span, config["noniid"])
        sigma_y = noise.sigma_y
        scales = torch.cat([noise.scales, noise.scales[-1:].expand(y.shape[0] - shape[0])])  # the padded bands
        band_scale = scales.to(device=ctx.device, dtype=y.dtype)[:, None, None]
        notes: dict[str, Any] = {**noise.notes(span),
                                 "weights": str(weights), "sampler": config["sampler"], "steps": config["steps"],
                                 "patch": list(prior.patch)}
        if sigma_y > prior.sigma_train_max:
            notes["warning"] = (f"noise level {sigma_y:.3g} (on [-1, 1]) is above the prior's training range "
                                f"({prior.sigma_train_max:.3g}): expect a poor result")
        with ctx.stage("sample"):
            out = restore(y / band_scale, prior, sigma_y, config["steps"], sampler, generator=ctx.generator(),
                          progress=ctx.show_progress) * band_scale
        out = out[: shape[0], : shape[1], : shape[2]]
        result = out.add_(1).mul_(span / 2).add_(lo).cpu().numpy().astype(np.float32)
        return PipelineResult(cube.restore(result[None], sample, config["clip"]), notes=notes)
