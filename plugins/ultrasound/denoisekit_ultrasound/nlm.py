"""``ultrasound/nlm``: non-local means (Buades, Coll, Morel, CVPR 2005; scikit-image ``denoise_nl_means``) on the
log-compressed B-mode image, where speckle is close to additive. ``h = strength * sigma`` with ``sigma`` the
noise level estimated from the image's finest wavelet band (``denoisekit.api.estimate_sigma``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from denoisekit.api import PipelineResult, RunContext, Sample, estimate_sigma
from denoisekit_ultrasound.bmode import bmode_of


class NLMPipeline:
    def __call__(self, sample: Sample, config, ctx: RunContext) -> PipelineResult:
        from skimage.restoration import denoise_nl_means

        b = bmode_of(sample)
        sigmas, out = [], []
        for frame in ctx.progress(b.frames, "nlm: frames", total=len(b.frames)):
            with ctx.stage("nlm"):
                sigma = float(estimate_sigma(frame))
                out.append(denoise_nl_means(frame, patch_size=config["patch_size"],
                                            patch_distance=config["patch_distance"],
                                            h=config["strength"] * sigma, sigma=sigma, fast_mode=True))
                sigmas.append(sigma)
        restored = replace(b.restore(np.stack(out)), description=f"nlm strength={config['strength']:g}")
        return PipelineResult(restored, notes={"sigma": [round(s, 4) for s in sigmas]})
