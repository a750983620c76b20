"""``ultrasound/lowrank-dehaze``: a low-rank-plus-diffusion sequence dehazer on B-mode frames, an ADAPTATION of
Nuclear Diffusion (Stevens, Nolan, Robert, van Sloun, "Nuclear Diffusion Models for Low-Rank Background
Suppression in Videos", arXiv 2509.20886). The paper models a log-compressed video as ``Y = L + X + N``: a
low-rank haze/background ``L`` (nuclear-norm prior), tissue ``X`` under a diffusion prior, Gaussian ``N``; it
alternates a singular-value soft threshold on ``L`` with posterior diffusion steps on ``X`` over thousands of
steps. Here, on a CPU and with the priors this plugin already has:

- ``Y``: the frames' dB images (60 dB range; RF/IQ through the envelope, DICOM grey levels as dB).
- ``X``: the tissue prior of ``ultrasound/dehaze-diffusion`` (:func:`.dehaze.load_models`, used unchanged) on its
  own domain, mu-law companded IQ; each frame's state is the input's IQ (DICOM: the envelope with a seeded
  random phase, as :mod:`.dehaze`'s B-mode path) over the sequence's peak I/Q component. The frames are one
  batch on the VE sigma^t SDE (sigma = 25), Euler-Maruyama, started by CCDF at ``t_start`` from ``Y``.
- After every step (the core's :class:`DataConsistency` with this consistency): from the Tweedie estimate
  ``x0``, whose dB image is ``B``,
      ``L = max(SVT_tau(Y - B), 0)``   (the proximal step of ``tau ||L||_*`` on the frames x pixels matrix, kept
                                        non-negative: haze only adds echo power),
      ``B <- B + strength (Y - L - B)`` (a step of the data term ``|Y - L - B|^2`` in dB),
  the new ``B`` given to ``x0`` as its envelope with ``x0``'s phase, and ``x_t`` moved by the same change.
  ``tau`` is ``threshold * sqrt(pixels)`` dB (a constant image of c dB in every frame has singular value
  ``c sqrt(frames * pixels)``).

The output is the last estimate's dB image written back in the input's form; ``L`` is an extra (``haze``).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch

from denoisekit.api import DataConsistency, PipelineResult, RunContext, Sample
from denoisekit_ultrasound.transforms import DYNAMIC_RANGE, mu_law, mu_law_inverse

Tensor = torch.Tensor


def singular_value_threshold(matrix: Tensor, tau: float) -> Tensor:
    """The proximal operator of ``tau ||.||_*``: the singular values of ``matrix`` soft-thresholded by ``tau``
    (Cai, Candes, Shen, SIAM J. Optim. 2010, Theorem 2.1)."""
    u, s, vh = torch.linalg.svd(matrix, full_matrices=False)
    return (u * (s - tau).clamp(min=0.0)) @ vh


class LowRankConsistency(DataConsistency):
    """:class:`DataConsistency` whose consistency is the low-rank haze update and the dB data step (module
    docstring). ``y``: the (T, 1, z, x) dB frames; ``scale``: the linear value of a companded 1."""

    requires_op = False

    def __init__(self, base, *, strength: float, threshold: float, scale: float):
        super().__init__(base, mode="project")
        self.strength, self.threshold, self.scale = strength, threshold, scale
        self.haze: Tensor | None = None

    def db(self, x0: Tensor) -> Tensor:
        lin = mu_law_inverse(x0.clamp(-1.0, 1.0)) * self.scale
        env = lin.pow(2).sum(1, keepdim=True).sqrt()
        return (20 * torch.log10(env.clamp(min=10 ** (-DYNAMIC_RANGE / 20)))).clamp(-DYNAMIC_RANGE, 0.0)

    def consistent(self, x0_hat: Tensor, t: float, y: Tensor, op, schedule) -> Tensor:
        x0 = x0_hat.clamp(-1.0, 1.0)
        b = self.db(x0)
        frames = y.shape[0]
        pixels = y[0].numel()
        tau = self.threshold * math.sqrt(pixels)
        self.haze = singular_value_threshold((y - b).reshape(frames, pixels), tau).clamp(min=0.0).reshape(y.shape)
        new = (b + self.strength * (y - self.haze - b)).clamp(-DYNAMIC_RANGE, 0.0)
        lin = mu_law_inverse(x0) * (10 ** ((new - b) / 20))
        return mu_law(lin.clamp(-1.0, 1.0))


class LowRankDehaze:
    def __call__(self, sample: Sample, config, ctx: RunContext) -> PipelineResult:
        from denoisekit_ultrasound.clutter import sequence_bmode
        from denoisekit_ultrasound.dehaze import load_models
        from denoisekit_ultrasound.patches import PatchDenoiser

        b = sequence_bmode(sample, "ultrasound/lowrank-dehaze")
        tissue, _, _ = load_models(config["weights"], ctx.device)
        span = b.high - b.low
        db = (b.frames - b.low) / span * DYNAMIC_RANGE - DYNAMIC_RANGE  # dB, 0 at the top
        g = ctx.generator()
        if b.analytic is None:  # DICOM: the envelope with a seeded random phase (as dehaze.py's B-mode path)
            phase = torch.rand(db.shape, generator=g, device=g.device, dtype=torch.float64).cpu().numpy()
            analytic = 10 ** (db / 20) * np.exp(2j * np.pi * phase)
        else:
            analytic = b.analytic / b.peak
        parts = np.stack([analytic.real, analytic.imag], 1)  # (T, 2, z, x)
        scale = float(np.abs(parts).max()) or 1.0
        x_init = torch.as_tensor(mu_law(parts / scale), dtype=torch.float32, device=ctx.device)
        y = torch.as_tensor(db[:, None], dtype=torch.float32, device=ctx.device)
        steps = max(1, round(config["steps"] * config["t_start"]))
        schedule = ctx.schedule("ve-sigma-t", sigma=25.0)
        consistency = LowRankConsistency(ctx.sampler("euler-maruyama"), strength=config["strength"],
                                         threshold=config["threshold"], scale=scale)
        sampler = ctx.sampler("ccdf", base=consistency, t_start=config["t_start"])
        patch = (config["patch_rows"], config["patch_columns"])
        with torch.no_grad(), ctx.stage("sample"):
            out = sampler.sample(PatchDenoiser(tissue, patch, config["overlap"]), schedule, x_init, y=y,
                                 steps=steps, generator=g)
            result = consistency.db(out.double())[:, 0].cpu().numpy()
        restored = b.restore(b.low + (result + DYNAMIC_RANGE) / DYNAMIC_RANGE * span)
        restored = replace(restored, description=f"lowrank-dehaze strength={config['strength']:g} "
                                                 f"threshold={config['threshold']:g}")
        haze = consistency.haze[:, 0].cpu().numpy().astype(np.float32)
        return PipelineResult(restored, extras={"haze_db": haze}, notes={"steps": steps})
