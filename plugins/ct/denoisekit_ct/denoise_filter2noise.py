"""The ``ct/filter2noise`` pipeline: Filter2Noise (Sun et al. 2025) fitted zero-shot to each CT slice.

Per slice: HU -> [0, 1] by the window (:mod:`.denoise_slices`), fit the F2N denoiser on random crops
(:func:`denoisekit_ct.filter2noise.fit.fit`), run it once on the whole slice with the sigmas scaled by
``sigma_scale`` (spatial) and ``range_scale`` (range), back to HU. The initial range sigma is
``6 x`` the slice's robust noise estimate (MAD of the finest diagonal Haar band, which under-estimates
FBP's correlated noise about threefold), the initial spatial sigmas 1 pixel.

The learned sigma maps (sigma_x, sigma_y in pixels, sigma_r in HU, as used, i.e. scaled) are summarised
in ``ctx.notes["sigma_maps"]`` (run.json: per stage, mean / min / max over all slices) and kept as an
array (slices, stages, 3, H / patch, W / patch) (one value per patch, as predicted) in
``meta["extra_outputs"]["sigma_maps"]``, which the runner writes as ``<input stem>.sigma_maps.npy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from denoisekit.image.selfsup_pipeline import mad_sigma
from denoisekit.pipeline import RunContext
from denoisekit.sample import Sample
from denoisekit_ct.denoise_slices import denoise_slices, to_hu, to_unit, window, with_description
from denoisekit_ct.filter2noise.fit import FitSettings, denoise, fit

INITIAL_RANGE_PER_MAD = 6.0
MIN_SIDE = 16
MAP_NAMES = ("sigma_x_px", "sigma_y_px", "sigma_r_hu")


def fit_settings(config: Mapping[str, Any], initial_sigma_r: float) -> FitSettings:
    return FitSettings(iterations=config["iterations"], crop=config["crop"], batch=config["batch"], lr=config["lr"],
                       lam=config["lambda"], stages=config["stages"], patch=config["patch"],
                       max_radius=config["max_radius"], range_patch=config["range_patch"],
                       dilation=config["dilation"], initial_sigma_r=initial_sigma_r)


def summarise(maps: np.ndarray) -> dict[str, dict[str, dict[str, float]]]:
    """Mean / min / max of each stage's maps (slices, stages, 3, rows, columns)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for s in range(maps.shape[1]):
        stage = {}
        for k, key in enumerate(MAP_NAMES):
            values = maps[:, s, k]
            stage[key] = {"mean": round(float(values.mean()), 4), "min": round(float(values.min()), 4),
                          "max": round(float(values.max()), 4)}
        out[f"stage{s + 1}"] = stage
    return out


class Filter2NoisePipeline:
    """``ct/filter2noise``: every slice fitted on its own (zero-shot), then denoised whole."""

    name = "filter2noise"

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> Sample:
        low, high = window(config)
        maps: list[np.ndarray] = []

        def one_slice(hu: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
            x = to_unit(hu, low, high)
            initial_r = max(INITIAL_RANGE_PER_MAD * mad_sigma(x[None, None]), 1e-3)
            y = torch.from_numpy(x)[None, None].to(slice_ctx.device)
            with slice_ctx.stage("train"):
                net = fit(y, fit_settings(config, initial_r), slice_ctx.seed,
                          slice_ctx.progress if slice_ctx.show_progress else None)
            with slice_ctx.stage("denoise"):
                out, stage_maps = denoise(net, y, config["sigma_scale"], config["range_scale"])
            p = config["patch"]
            maps.append(torch.cat(stage_maps)[..., ::p, ::p].cpu().numpy())
            return to_hu(out[0, 0].cpu().numpy(), low, high)

        result = denoise_slices(sample, self.name, MIN_SIDE, ctx, one_slice)
        stacked = np.stack(maps).astype(np.float32)
        stacked[:, :, 2] *= high - low  # sigma_r in HU
        ctx.notes["sigma_maps"] = summarise(stacked)
        ctx.notes["sigma_maps_units"] = "sigma_x, sigma_y in pixels, sigma_r in HU; as applied (after the scales)"
        result = with_description(result, f"filter2noise S{config['stages']} sigma_scale={config['sigma_scale']:g} "
                                          f"range_scale={config['range_scale']:g}")
        return replace(result, meta={**result.meta, "extra_outputs": {"sigma_maps": stacked}})
