"""``mri/diffusion-posterior``: "any prior, any mask" reconstruction. An unconditional diffusion prior over
complex coil-combined images (:mod:`denoisekit_mri.posterior_net`, trained without any mask or coil) is sampled
with the core's posterior samplers against the multi-coil Cartesian operator ``A x = M F (S x)``, with ESPIRiT
maps ``S`` estimated from each slice's own calibration region:

- ``sampler=dc``: DDIM steps on the EDM schedule, each followed by the proximal data-consistency step of DiffPIR
  (Zhu et al., CVPR workshops 2023, eq. 13) on the denoised estimate,
  ``x0 <- argmin_x ||A x - y||^2 / 2 + ||x - x0_hat||^2 / (2 gamma_t)``, ``gamma_t = sigma_t^2 / (lam sigma_y^2)``,
  solved by conjugate gradients on ``(A^H A + I / gamma_t) x = A^H y + x0_hat / gamma_t`` (the core's
  :class:`DataConsistency`; SENSE has no closed-form inverse, so CG on the normal equations replaces it);
- ``sampler=dps``: diffusion posterior sampling (Chung et al., ICLR 2023, Alg. 1), the gradient of
  ``||y - A x0_hat(x_t)||`` through the network at every step (the core's :class:`DPS`).

With ``t_start < 1`` the reverse process is shortened as in Come-Closer-Diffuse-Faster (Chung, Sim, Ye, CVPR
2022; the core's :class:`CCDF`): it starts from a CG-SENSE image (10 iterations, Tikhonov 0.01) diffused to the
time ``t_start`` of the way back, and runs only that last part with the chosen sampler; ``t_start = 1`` starts
from pure noise at ``sigma_max``. With a small prior trained on few images, the short process from SENSE is what
works (benchmarks/mri_posterior_tune.py).

DDRM (Kawar et al. 2022) is not offered: it needs ``A = U diag(s) V^H`` in closed form, which the SENSE
operator with estimated maps does not have (and the core's DDRM refuses complex images).

The k-space is scaled by ``s = max |x_SENSE|`` (a short CG-SENSE) so that the image has the prior's maximum
magnitude of 1; ``sigma_y`` (per real coordinate) is the median absolute deviation / 0.6745 of the acquired
samples in the outer eighth of k-space on both axes, where the signal is weakest. The output is the magnitude,
scaled back, as a fastMRI ``reconstruction``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import (
    Gaussian,
    InputError,
    PipelineResult,
    RunContext,
    Sample,
    for_each_slice,
)
from denoisekit_mri.acquisition import read_acquisition
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.formats import image_sample
from denoisekit_mri.posterior_net import ComplexPrior
from denoisekit_mri.reconstruction import configured_maps, sense
from denoisekit_mri.weights_file import load_trained

NAME = "mri/diffusion-posterior"
SHIPPED = Path(__file__).with_name("weights") / "posterior.pt"
SIGMA_MIN = 0.002  # EDM's lowest noise level (Karras et al. 2022), on images of maximum magnitude 1


def load_prior(path: str) -> tuple[ComplexPrior, Path]:
    """The prior of a weights file written by ``denoisekit train mri/diffusion-posterior`` ('' = the shipped one)."""
    prior, _, file = load_trained(NAME, path, SHIPPED, ComplexPrior.from_payload, "prior network")
    return prior, file


def kspace_noise(kspace: torch.Tensor, mask: torch.Tensor) -> float:
    """The noise std per real coordinate of k-space (N, C, H, W): MAD / 0.6745 of the real and imaginary parts
    of the acquired samples in the outer eighth of both axes (0 when none is acquired there)."""
    n, c, h, w = kspace.shape
    rows = torch.zeros(h, dtype=torch.bool, device=kspace.device)
    cols = torch.zeros(w, dtype=torch.bool, device=kspace.device)
    rows[: h // 8], rows[h - h // 8:], cols[: w // 8], cols[w - w // 8:] = True, True, True, True
    corner = (rows[:, None] & cols[None, :]) & (mask.expand(n, 1, h, w) > 0)
    values = torch.view_as_real(kspace[corner.expand(n, c, h, w)]).flatten()
    if values.numel() == 0:
        return 0.0
    return float(values.abs().median()) / 0.6745


def make_sampler(config: Mapping[str, Any], sigma_y: float, ctx: RunContext) -> Any:
    """The configured posterior sampler (from the host's registry)."""
    if config["sampler"] == "dps":
        return ctx.sampler("dps", zeta=config["zeta"], eta=config["eta"])
    base = ctx.sampler("ddim", eta=config["eta"])
    if sigma_y > 0:
        return ctx.sampler("data-consistency", base=base, mode="prox", noise=Gaussian(sigma_y), lam=config["lam"])
    return ctx.sampler("data-consistency", base=base, mode="project")


def reconstruct(prior: ComplexPrior, op: MultiCoilCartesian, y: torch.Tensor, config: Mapping[str, Any],
                ctx: RunContext, generator: torch.Generator) -> tuple[torch.Tensor, dict[str, float]]:
    """The posterior sample (1, H, W) complex for one slice's k-space ``y`` (1, C, H, W), in the data's scale."""
    init = sense(op, y, 10, 0.01)
    scale = float(init.abs().max())
    if not scale > 0:  # no signal (e.g. a padding slice): nothing to reconstruct
        return torch.zeros_like(init), {"scale": 0.0, "sigma_y": 0.0}
    y, init = y / scale, init / scale
    sigma_y = kspace_noise(y, op.mask)
    op.cg_iterations, op.cg_tol = int(config["cg_iterations"]), 1e-6
    sampler = make_sampler(config, sigma_y, ctx)
    schedule = ctx.schedule("edm", sigma_min=SIGMA_MIN, sigma_max=float(config["sigma_max"]))
    if config["t_start"] < 1:  # CCDF: from the SENSE image diffused to an intermediate time
        sampler, x_t = ctx.sampler("ccdf", base=sampler, t_start=config["t_start"]), init
    else:
        shape = (1, *y.shape[-2:], 2)
        x_t = torch.view_as_complex(config["sigma_max"] * torch.randn(shape, generator=generator, device=y.device))
    x = sampler.sample(prior, schedule, x_t, y=y, op=op, steps=int(config["iterations"]), generator=generator)
    return x.detach() * scale, {"scale": scale, "sigma_y": sigma_y * scale}


class DiffusionPosterior:
    """The pipeline: per slice, ESPIRiT maps, then the posterior sample of the prior given the slice's k-space."""

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        acq = read_acquisition(sample, NAME).to(ctx.device)
        prior, file = load_prior(str(config["weights"]))
        prior = prior.to(ctx.device).eval().requires_grad_(False)
        n, c, h, w = acq.kspace.shape
        if h % 4 or w % 4:
            raise InputError(sample.path or "input", f"k-space of {h} x {w}: {NAME} needs both sides a multiple "
                                                     "of 4 (the prior's U-Net halves them twice)")
        with ctx.stage("coil maps"):
            maps = configured_maps(acq, config)
        mask = acq.mask.expand(n, 1, h, w)
        estimates: list[dict[str, float]] = []

        def one(index: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
            i = int(index)
            op = MultiCoilCartesian(maps[i], mask[i:i + 1])
            with slice_ctx.stage("sample"):
                x, found = reconstruct(prior, op, acq.kspace[i:i + 1], config, slice_ctx, slice_ctx.generator())
            estimates.append(found)
            return x[0].abs().cpu().numpy()

        image = for_each_slice(ctx, np.arange(n), one, f"{NAME}: slices")
        notes = {**acq.notes(), "weights": "shipped" if file == SHIPPED else str(file), "architecture": prior.arch,
                 "sampler": config["sampler"], "steps": config["iterations"],
                 "sigma_y": [round(e["sigma_y"], 6) for e in estimates]}
        description = f"diffusion posterior ({config['sampler']}, {config['iterations']} steps)"
        return PipelineResult(image_sample(sample, np.asarray(image), acq.recon_size, description), notes=notes)
