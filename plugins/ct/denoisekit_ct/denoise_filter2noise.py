"""The ``ct/filter2noise`` pipeline: Filter2Noise (Sun et al. 2025) fitted zero-shot to each CT slice.

Per slice: HU -> [0, 1] by the window (:mod:`.denoise_slices`), fit the F2N denoiser on random crops
(:func:`denoisekit_ct.filter2noise.fit.fit`); with ``strength=sure``, pick global scales of the sigmas by
their estimated error in the ``sure_window`` (:mod:`denoisekit_ct.filter2noise.sure_strength`); run it once
on the whole slice with the sigmas scaled by those and by ``sigma_scale`` (spatial) and ``range_scale``
(range), back to HU. The initial range sigma is
``6 x`` the slice's robust noise estimate (MAD of the finest diagonal Haar band, which under-estimates
FBP's correlated noise about threefold), the initial spatial sigmas 1 pixel.

The learned sigma maps (sigma_x, sigma_y in pixels, sigma_r in HU, as used, i.e. scaled) are summarised
in the result's ``notes["sigma_maps"]`` (run.json: per stage, mean / min / max over all slices) and kept as an
array (slices, stages, 3, H / patch, W / patch) (one value per patch, as predicted) in
the result's ``extras["sigma_maps"]``, which the runner writes as ``<input stem>.sigma_maps.npy``.
The scales chosen by ``strength=sure`` are listed per slice in ``notes["sure_scales"]``.

Bias-subtracted patch distance (``patch_debias``, with ``strength=sure`` and the patch range): the noise model
SURE uses, measured on the whole slice from the fitted filter's residuals (the local variance D^2 and the noise's
autocorrelation), sets the noise's expected part 2 D^2 (1 - rho) of the first stage's patch distances, of which
the fraction ``patch_debias`` is subtracted (Buades, Coll & Morel 2005: all of it) in SURE's candidates and in
the final pass.

``sure_spectrum=flat`` measures the noise model's spectrum in the input's flattest tiles instead of on the residual
of the fitted filter with doubled spatial sigmas (session 9: measured, not the default).

NLM candidate (``nlm_candidate``, with ``strength=sure``): non-local means with h from the input's flattest window
(:mod:`denoisekit_ct.filter2noise.nlm_candidate`, the benchmark's peer) is ranked against the grid's best by the same
SURE, noise model and probe; when its estimate is lower the slice is non-local means' output. Which one each slice
got is listed in ``notes["sure_pick"]`` ("filter2noise" or "nlm"), NLM's h (HU) in ``notes["nlm_h_hu"]``; the sigma
maps are the fitted filter's at SURE's scales either way.

NLM blend (``nlm_blend``, default 0.3): the output is ``(1 - w)`` times the fitted filter's plus ``w`` times non-local
means' (the same NLM as the candidate above), an average of two denoisers whose errors are only partly correlated
(the filter's sit along bone and air edges, NLM's in flat tissue: session 10, docs ct-filter2noise), chosen on the
tuning set. ``notes["nlm_h_hu"]`` lists NLM's h per slice.

Collapse guard (``strength=sure`` with the patch range): when the fitted filter's residual holds less than
half the finest band's noise estimate, the fit has collapsed to near the identity; the paper's pixel-range
filter is then fitted too (same seed, 9 x 9 window) and SURE decides between it, at its fitted strength, and
the patch-range candidates. The slices where this happened are listed in ``notes["sure_collapse_guard"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from denoisekit.api import PipelineResult, RunContext, Sample, UserError, estimate_sigma
from denoisekit_ct.denoise_slices import denoise_slices, to_hu, to_unit, window, with_description
from denoisekit_ct.filter2noise.fit import FitSettings, denoise, fit
from denoisekit_ct.filter2noise.nlm_candidate import NLM_H_PER_SIGMA, flat_sigma, nlm, nlm_denoiser
from denoisekit_ct.filter2noise.sure_strength import StrengthSearch, choose_strength, patch_noise

INITIAL_RANGE_PER_MAD = 6.0
PAPER_MAX_RADIUS = 4  # the paper's filter, the strength=sure fallback when the patch-range fit collapses
MIN_SIDE = 16
MAP_NAMES = ("sigma_x_px", "sigma_y_px", "sigma_r_hu")


def fit_settings(config: Mapping[str, Any], initial_sigma_r: float) -> FitSettings:
    return FitSettings(iterations=config["iterations"], crop=config["crop"], batch=config["batch"], lr=config["lr"],
                       lam=config["lambda"], stages=config["stages"], patch=config["patch"],
                       max_radius=config["max_radius"], range_patch=config["range_patch"],
                       dilation=config["dilation"], initial_sigma_r=initial_sigma_r)


def strength_search(config: Mapping[str, Any], low: float, high: float) -> StrengthSearch:
    """The ``strength=sure`` search of ``config``, its tissue range in the slice's unit scale."""
    tissue_low, tissue_high = float(config["sure_window_low"]), float(config["sure_window_high"])
    if not tissue_high > tissue_low:
        raise UserError(f"sure_window_high ({tissue_high:g}) must be above sure_window_low ({tissue_low:g})")
    return StrengthSearch(tissue=((tissue_low - low) / (high - low), (tissue_high - low) / (high - low)),
                          crop=config["sure_crop"] or 1 << 30, spectrum=config["sure_spectrum"])


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

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        low, high = window(config)
        search = strength_search(config, low, high) if config["strength"] == "sure" else None
        if config["nlm_candidate"] and search is None:
            raise UserError("nlm_candidate=true needs strength=sure (SURE ranks the NLM candidate)")
        maps: list[np.ndarray] = []
        chosen: list[tuple[float, float]] = []
        fallbacks: list[dict[str, Any]] = []
        picks: list[str] = []
        nlm_h: list[float] = []

        blend = config["nlm_blend"]

        def one_slice(hu: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
            x = to_unit(hu, low, high)
            if config["nlm_candidate"] or blend:
                nlm_h.append(NLM_H_PER_SIGMA * flat_sigma(hu))
            noise_level = estimate_sigma(x[None, None], undecimated=True)
            initial_r = max(INITIAL_RANGE_PER_MAD * noise_level, 1e-3)
            y = torch.from_numpy(x)[None, None].to(slice_ctx.device)
            with slice_ctx.stage("train"):
                net = fit(y, fit_settings(config, initial_r), slice_ctx.seed,
                          slice_ctx.progress if slice_ctx.show_progress else None)
            sigma_scale, range_scale = config["sigma_scale"], config["range_scale"]
            noise = None
            if search is not None and config["patch_debias"] and config["range_patch"]:
                noise = patch_noise(net, y, search.spectrum_sigma_scale, config["patch_debias"], search.spectrum)
            if search is not None:
                paper: list = []  # the paper's pixel-range filter, fitted only if the patch-range fit collapsed

                def fit_paper_filter():
                    settings = replace(fit_settings(config, initial_r), range_patch=0, dilation=1,
                                       max_radius=min(PAPER_MAX_RADIUS, config["max_radius"]))
                    with torch.enable_grad():  # called inside the strength search's no_grad
                        paper.append(fit(y, settings, slice_ctx.seed))
                    return paper[0]

                others = {}
                if config["nlm_candidate"]:
                    others["nlm"] = nlm_denoiser(nlm_h[-1] / (high - low))
                with slice_ctx.stage("strength"):
                    choice = choose_strength(net, y, search, slice_ctx.seed,
                                             slice_ctx.progress if slice_ctx.show_progress else None,
                                             noise_level=noise_level,
                                             fallback=fit_paper_filter if config["range_patch"] else None,
                                             noise=noise, others=others)
                picks.append(choice.other or "filter2noise")
                chosen.append((choice.sigma_scale, choice.range_scale))
                if paper:
                    fallbacks.append({"slice": len(chosen) - 1, "paper_filter_chosen": choice.fallback})
                if choice.fallback:
                    net, noise = paper[0], None
                sigma_scale, range_scale = sigma_scale * choice.sigma_scale, range_scale * choice.range_scale
            with slice_ctx.stage("denoise"):
                out, stage_maps = denoise(net, y, sigma_scale, range_scale, noise)
            p = config["patch"]
            maps.append(torch.cat(stage_maps)[..., ::p, ::p].cpu().numpy())
            filtered = out[0, 0].cpu().numpy()
            picked_nlm = bool(picks) and picks[-1] == "nlm"
            if picked_nlm or blend:
                with slice_ctx.stage("nlm"):
                    means = nlm(x, nlm_h[-1] / (high - low))
                filtered = means if picked_nlm else (1 - blend) * filtered + blend * means
            return to_hu(filtered, low, high)

        result = denoise_slices(sample, self.name, MIN_SIDE, ctx, one_slice)
        notes = dict(result.notes)
        stacked = np.stack(maps).astype(np.float32)
        stacked[:, :, 2] *= high - low  # sigma_r in HU
        notes["sigma_maps"] = summarise(stacked)
        notes["sigma_maps_units"] = "sigma_x, sigma_y in pixels, sigma_r in HU; as applied (after the scales)"
        description = f"filter2noise S{config['stages']}"
        if chosen:
            notes["sure_scales"] = [list(c) for c in chosen]  # per slice: (sigma_scale, range_scale) chosen
            description += " SURE"
        if nlm_h:
            notes["nlm_h_hu"] = [round(h, 2) for h in nlm_h]
        if config["nlm_candidate"]:
            notes["sure_pick"] = picks  # per slice: "filter2noise" or "nlm", the lower SURE
            description += f" (NLM on {picks.count('nlm')} of {len(picks)} slices)" if "nlm" in picks else ""
        if blend:
            notes["nlm_blend"] = blend
            description += f" + {blend:g} NLM"
        if fallbacks:  # slices whose patch-range fit collapsed: the paper's filter was fitted and ranked too
            notes["sure_collapse_guard"] = fallbacks
        restored = with_description(result.sample, f"{description} sigma_scale={config['sigma_scale']:g} "
                                                   f"range_scale={config['range_scale']:g}")
        return PipelineResult(restored, extras={"sigma_maps": stacked}, notes=notes)
