"""``mri/zs-ssl``: each slice of a fastMRI k-space file reconstructed by an unrolled network fitted to that slice
alone (:mod:`denoisekit_mri.zs_ssl`), coil maps by ESPIRiT from the slice's calibration region (the ESPIRiT
options of mri/sense and mri/cs-wavelet, same defaults); the output is
the magnitude image (fastMRI ``reconstruction``, cropped to the header's reconstruction matrix)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from denoisekit.api import InputError, PipelineResult, RunContext, Sample, for_each_slice
from denoisekit_mri.acquisition import read_acquisition
from denoisekit_mri.formats import image_sample
from denoisekit_mri.reconstruction import configured_maps
from denoisekit_mri.zs_ssl import ZsSslSettings, fit_zs_ssl

NAME = "mri/zs-ssl"


def settings_of(config: Mapping[str, Any]) -> ZsSslSettings:
    """The fit's settings from the pipeline's options (same names)."""
    return ZsSslSettings(**{k: config[k] for k in ZsSslSettings.__dataclass_fields__})


class ZsSslPipeline:
    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        acq = read_acquisition(sample, NAME)
        n, c, h, w = acq.kspace.shape
        omega = acq.mask.expand(n, 1, h, w)
        if float(omega.mean()) >= 1.0:
            raise InputError(sample.path or "input", f"{NAME} needs undersampled k-space: every sample was acquired, "
                                                     "so there is nothing to split for self-supervision")
        settings = settings_of(config)
        with ctx.stage("coil maps"):
            maps = configured_maps(acq, config)
        fits = []

        def one(index: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
            i = int(index)
            device = slice_ctx.device
            with slice_ctx.stage("fit"):
                try:
                    fit = fit_zs_ssl(acq.kspace[i].to(device), maps[i].to(device), omega[i, 0].to(device), settings,
                                     slice_ctx.generator())
                except ValueError as e:
                    raise InputError(sample.path or "input", f"slice {i}: {e}") from None
            fits.append(fit)
            return fit.image[0].abs().cpu().numpy()

        image = for_each_slice(ctx, np.arange(n), one, f"{NAME}: slices")
        notes = {**acq.notes(), "best_epoch": [f.best_epoch for f in fits], "epochs": [f.epochs for f in fits],
                 "steps": [f.steps for f in fits],
                 "validation_loss": [round(min(f.validation_loss), 5) for f in fits]}
        description = f"zs-ssl unrolled K={settings.unrolls}, fitted per slice"
        return PipelineResult(image_sample(sample, np.asarray(image), acq.recon_size, description), notes=notes)
